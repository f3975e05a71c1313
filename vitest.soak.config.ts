import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

// Long soaks and stress runs, kept out of `npm test`.
export default mergeConfig(base, defineConfig({
  test: { include: ['test/soak/**/*.test.ts'], exclude: [], testTimeout: 600_000 },
}));
