/**
 * Seeds sealed at rest with AES-256-GCM (NIST SP 800-38D) from node:crypto.
 *
 * Blob layout: 1 version byte (1) | 12-byte random IV | 16-byte tag | ciphertext.
 * The additional authenticated data binds a blob to its serial: a sealed seed copied onto another
 * token's row fails to open instead of silently giving that token someone else's codes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** The AAD of a token's seed. */
export function seedAad(serial: string): Buffer {
  return Buffer.from('hwtotp-seed-v1:' + serial, 'utf8');
}

/** Seals plaintext under the 32-byte key, authenticated together with aad. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, c.getAuthTag(), ct]);
}

/** Opens a sealed blob, or returns null when the key, the aad or the blob is wrong. */
export function unseal(key: Uint8Array, blob: Uint8Array, aad: Uint8Array): Buffer | null {
  if (blob.length < 1 + IV_LENGTH + TAG_LENGTH || blob[0] !== VERSION) return null;
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(1, 1 + IV_LENGTH), { authTagLength: TAG_LENGTH });
    d.setAAD(aad);
    d.setAuthTag(b.subarray(1 + IV_LENGTH, 1 + IV_LENGTH + TAG_LENGTH));
    return Buffer.concat([d.update(b.subarray(1 + IV_LENGTH + TAG_LENGTH)), d.final()]);
  } catch {
    return null;
  }
}
