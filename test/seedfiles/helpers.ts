/** Shared bits of the seed-file suites: the vector files and a hex view of secrets. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS = fileURLToPath(new URL('../vectors/pskc/', import.meta.url));

/** Reads a vector file (copied from shared/vectors/pskc so the repository is self-contained). */
export function vector(name: string): Buffer {
  return readFileSync(VECTORS + name);
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');
export const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** The RFC 6030 Figure 6 pre-shared key and Figure 7 password. */
export const FIG6_PSK = fromHex('12345678901234567890123456789012');
export const FIG7_PASSWORD = 'qwerty';
