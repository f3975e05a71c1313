/**
 * What the HTTP layer needs from the verifier library and from an attached simulated token.
 * Declared structurally so the server depends on behaviour, not on one store: the SQLite
 * verifier satisfies it today, a PostgreSQL one can tomorrow.
 */

/** One registry row as the verifier lists it (never the seed). */
export interface DeviceRow {
  serial: string;
  user?: string | null;
  deviceName?: string | null;
  enableDate?: string | number | null;
  state: string;
  lastUsed?: string | number | null;
  lockedUntil?: string | number | null;
  /** The clock model's predicted drift now, in steps. */
  driftNowSteps?: number;
  /** The token clock's rate in ppm once fitted, else null. */
  ratePpm?: number | null;
}

/** The subset of the verifier's async API that `serve` calls. */
export interface HttpVerifier {
  enable(user: string, deviceName: string, serial: string, code1: string, code2: string): Promise<{ serial: string; enableDate: unknown }>;
  check(user: string, code: string): Promise<{ ok: true; serial: string }>;
  resync(user: string, serial: string, code1: string, code2: string): Promise<{ serial: string; driftSteps?: number }>;
  deactivate(user: string, serial: string): Promise<unknown>;
  list(user?: string): Promise<DeviceRow[]>;
  token(serial: string): Promise<unknown>;
  audit(q: { serial?: string; user?: string; limit?: number }): Promise<unknown[]>;
  find(code1: string, code2: string, options?: { wide?: boolean }): Promise<{ serial: string; state: string; user: string | null; driftSteps: number }>;
}

/** A simulated token whose screen and button the "Virtual token" page shows. */
export interface SimHandle {
  screen(): string[];
  press(): unknown;
  /** PNG of the pixels the firmware drew (countdown bar included), one PNG pixel per screen pixel. */
  screenPng?(): Buffer;
}
