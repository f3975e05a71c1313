/** Between seed-file records and the registry's token shapes (verifier/src/types.ts). */
import type { ExportedToken, NewToken } from '../types.ts';
import type { SeedRecord } from './record.ts';

/** The registry form of a checked TOTP record; TimeDrift (in steps) becomes the token's starting drift. */
export function recordToToken(r: SeedRecord): NewToken {
  const t: NewToken = { serial: r.serial, secret: r.secret, algorithm: r.algorithm, digits: r.digits, period: r.period, t0: r.t0, driftSteps: r.driftSteps };
  if (r.manufacturer !== undefined) t.manufacturer = r.manufacturer;
  if (r.model !== undefined) t.model = r.model;
  return t;
}

/** The seed-file form of an exported registry token. */
export function tokenToRecord(t: ExportedToken): SeedRecord {
  const r: SeedRecord = { serial: t.serial, secret: t.secret, kind: 'totp', algorithm: t.algorithm, digits: t.digits, period: t.period, t0: t.t0, driftSteps: t.driftSteps };
  if (t.manufacturer !== null) r.manufacturer = t.manufacturer;
  if (t.model !== null) r.model = t.model;
  return r;
}
