/**
 * CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), the same value as Node's zlib.crc32 and
 * Espruino's E.CRC32. The firmware passes E.CRC32 instead; this is for hosts and tests.
 */

/** CRC-32 of a string of byte-valued characters, as an unsigned 32-bit number. */
export type Crc32Fn = (data: string) => number;

let table: Int32Array | undefined;

/** CRC-32 of the low bytes of each character of `data`. */
export function crc32(data: string): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ data.charCodeAt(i)) & 255] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
