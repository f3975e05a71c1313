/**
 * Read-only operator endpoints: devices of a user (or all tokens), one token's state, and the
 * audit log. Token state passes through `withoutSecrets`, so even a verifier that returned more
 * than it should cannot put a seed on the wire.
 */
import type { FastifyInstance } from 'fastify';
import { AuditQuery, DevicesQuery, FindBody, SerialParam, parse } from './schemas.ts';
import type { HttpVerifier } from './types.ts';

/** Registers GET /api/mfa/devices, /api/tokens/:serial, /api/audit and POST /api/tokens/find. */
export function registerOperatorRoutes(app: FastifyInstance, v: HttpVerifier): void {
  app.get('/api/mfa/devices', async (req) => {
    const q = parse(DevicesQuery, req.query, 'query');
    const rows = await v.list(q.user);
    return rows.map((r) => withoutSecrets(r));
  });

  app.get('/api/tokens/:serial', async (req) => {
    const p = parse(SerialParam, req.params, 'path');
    return withoutSecrets(await v.token(p.serial));
  });

  // Which token shows these two consecutive codes now (find.ts); audited by the verifier.
  app.post('/api/tokens/find', async (req) => {
    const b = parse(FindBody, req.body, 'body');
    return withoutSecrets(await v.find(b.code1, b.code2, { wide: b.wide }));
  });

  app.get('/api/audit', async (req) => {
    const q = parse(AuditQuery, req.query, 'query');
    const rows = await v.audit({ serial: q.serial, user: q.user, limit: q.limit ?? 100 });
    return rows.map((r) => withoutSecrets(r));
  });
}

/** Field names that may hold key material; dropped at any depth. */
const SECRET_FIELD = /secret|seed|^key$|masterkey|ciphertext|^iv$|nonce/i;

/** A copy of `value` without key material or raw bytes. */
export function withoutSecrets(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return undefined;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(withoutSecrets);
  const out: { [k: string]: unknown } = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELD.test(k)) continue;
    const clean = withoutSecrets(v);
    if (clean !== undefined) out[k] = clean;
  }
  return out;
}
