/**
 * vitest globalSetup: one throwaway PostgreSQL per test run (tools/src/db/throwaway-postgres.ts),
 * its URL handed to the suites through inject('pgUrl'), stopped at the end. It fails the run
 * loudly when the server cannot start: no PostgreSQL test is ever skipped.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../tools/src/db/throwaway-postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
