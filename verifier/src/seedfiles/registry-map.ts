/** Between seed-file records and the registry's token shapes (verifier/src/types.ts). */
import type { ExportedToken, NewToken } from '../types.ts';
import type { SeedRecord } from './record.ts';

/** The registry form of a checked TOTP record. Drift is not carried: the registry starts every token at 0. */
export function recordToToken(r: SeedRecord): NewToken {
  const t: NewToken = { serial: r.serial, secret: r.secret, algorithm: r.algorithm, digits: r.digits, period: r.period, t0: r.t0 };
  if (r.manufacturer !== undefined) t.manufacturer = r.manufacturer;
  if (r.model !== undefined) t.model = r.model;
  return t;
}

/** The seed-file form of an exported registry token. */
export function tokenToRecord(t: ExportedToken): SeedRecord {
  const r: SeedRecord = { serial: t.serial, secret: t.secret, kind: 'totp', algorithm: t.algorithm, digits: t.digits, period: t.period, t0: t.t0, driftSteps: 0 };
  if (t.manufacturer !== null) r.manufacturer = t.manufacturer;
  if (t.model !== null) r.model = t.model;
  return r;
}
