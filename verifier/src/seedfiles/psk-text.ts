/** Pre-shared keys as people type them: hex, with optional spaces, colons or a 0x prefix. */

/**
 * Parses a hex pre-shared key of 16, 24 or 32 bytes (AES-128/192/256).
 * @throws RangeError saying what is wrong, never echoing the key.
 */
export function parsePskHex(text: string): Uint8Array {
  const clean = text.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new RangeError('the pre-shared key must be hex digits');
  if (clean.length !== 32 && clean.length !== 48 && clean.length !== 64) {
    throw new RangeError('the pre-shared key must be 16, 24 or 32 bytes (32, 48 or 64 hex digits), got ' + clean.length + ' hex digits');
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
