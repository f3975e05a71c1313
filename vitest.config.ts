import { defineConfig } from 'vitest/config';

// Tests run from the sources: the "source" condition of each package's exports map points at its
// src/ (the packages themselves point Node at their compiled dist/).
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
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
