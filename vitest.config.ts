import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run from the sources: each workspace name points at its src/index.ts.
export default defineConfig({
  resolve: {
    alias: {
      '@hwtotp/protocol/host': here('./protocol/src/host.ts'),
      '@hwtotp/protocol': here('./protocol/src/index.ts'),
      '@hwtotp/device': here('./device/src/index.ts'),
      '@hwtotp/verifier/http': here('./verifier/src/http/index.ts'),
      '@hwtotp/verifier': here('./verifier/src/index.ts'),
      '@hwtotp/tools': here('./tools/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/soak/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One throwaway PostgreSQL for the run (the PostgreSQL registry suites need it).
    globalSetup: ['test/helpers/postgres-setup.ts'],
  },
});
