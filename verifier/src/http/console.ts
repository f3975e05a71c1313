/**
 * The web console's static files (src/http/console), read once at start and served from memory: three
 * files need no static-file plugin, and nothing on disk can be reached through a crafted path.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const FILES: { [path: string]: { file: string; type: string } } = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** Registers GET routes for the console's files. */
export function registerConsole(app: FastifyInstance): void {
  // The files stay in src/ (the package ships it), so one path serves src/http and dist/http alike.
  const dir = new URL('../../src/http/console/', import.meta.url);
  for (const [path, f] of Object.entries(FILES)) {
    const body = readFileSync(new URL(f.file, dir));
    app.get(path, { config: { auth: 'none' } }, async (_req, reply) => reply.type(f.type).send(body));
  }
}
