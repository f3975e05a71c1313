/**
 * Starting the HTTP server for a database: resolve the operator key, build the app, listen.
 * Shared by `hwtotp serve` and `npm start`, so both behave the same.
 */
import type { FastifyInstance } from 'fastify';
import { resolveApiKey, type ApiKey } from './auth.ts';
import { buildServer, type ServerOptions } from './server.ts';
import { ALLOWED_HOSTS_VARIABLE, defaultAllowedHosts, parseAllowedHosts } from './host-check.ts';

export interface ListenOptions extends Omit<ServerOptions, 'apiKey'> {
  /** The registry file; the operator key file lives beside it. */
  dbPath: string;
  host?: string;
  port?: number;
  env?: NodeJS.ProcessEnv;
  /** Names the Host header may carry besides the bound address (`serve --allowed-host`); $HWTOTP_ALLOWED_HOSTS adds more. */
  extraHosts?: readonly string[];
}

export interface RunningServer {
  app: FastifyInstance;
  /** Base URL, e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  apiKey: ApiKey;
  /** Stops accepting, closes open connections, resolves when done. */
  close(): Promise<void>;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Builds the server for `dbPath` and listens on host:port (default 127.0.0.1:8080). */
export async function listenHttp(o: ListenOptions): Promise<RunningServer> {
  const env = o.env ?? process.env;
  const host = o.host ?? '127.0.0.1';
  const allowedHosts = [
    ...defaultAllowedHosts(host),
    ...parseAllowedHosts(o.extraHosts ?? [], '--allowed-host'),
    ...parseAllowedHosts((env[ALLOWED_HOSTS_VARIABLE] ?? '').split(','), ALLOWED_HOSTS_VARIABLE),
  ];
  const apiKey = resolveApiKey(o.dbPath, env);
  const app = buildServer({ ...o, apiKey: apiKey.key, allowedHosts });
  await app.listen({ host, port: o.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (o.port ?? 8080);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { app, url: `http://${shown}:${port}/`, port, apiKey, close: () => app.close() };
}
