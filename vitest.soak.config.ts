import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';
import { soakTimeoutMs } from './test/soak/soak-env.ts';

// Long soaks and stress runs, kept out of `npm test` (see test/soak/soak-env.ts for the knobs).
// The test options are spelled out rather than merged: mergeConfig concatenates arrays, which
// would add test/** to `include` and keep test/soak/** in `exclude`, running every suite but these.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/soak/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: soakTimeoutMs(),
    hookTimeout: 120_000,
    // One soak at a time: each is timed against the wall clock and would starve the other.
    fileParallelism: false,
    // global.gc, so the heap can be compared after a full collection.
    execArgv: ['--expose-gc'],
  },
});
