/**
 * PostgreSQL for the suites: the run's throwaway server (postgres-setup.ts), and a fresh schema per
 * registry, so test files run in parallel against one server without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import pg from 'pg';

/** The URL of the run's throwaway PostgreSQL. */
export function pgUrl(): string {
  const url = inject('pgUrl');
  if (!url) throw new Error('no PostgreSQL URL: vitest.config.ts must run test/helpers/postgres-setup.ts as globalSetup');
  return url;
}

/** The URL of a new, empty schema (as the connection's search_path), and how to drop it. */
export async function freshSchema(): Promise<{ url: string; schema: string; drop: () => Promise<void> }> {
  const schema = 'r_' + randomBytes(6).toString('hex');
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: pgUrl() });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const url = `${pgUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return { url, schema, drop: () => admin(`DROP SCHEMA ${schema} CASCADE`) };
}
