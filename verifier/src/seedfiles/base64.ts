/** Strict base64 (RFC 4648 §4) for XML content: whitespace between characters is allowed (XML Schema base64Binary). */
import { SeedFileError } from './errors.ts';

/**
 * Decodes base64, refusing anything Buffer.from would silently skip.
 * @param what names the field in the error (never the value: it may be key material).
 */
export function base64Decode(text: string, what: string): Uint8Array {
  const s = text.replace(/\s+/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    throw new SeedFileError('invalid-value', what + ' is not valid base64');
  }
  const bytes = Buffer.from(s, 'base64');
  // Non-zero padding bits would be dropped silently: two texts would then give the same bytes.
  if (bytes.toString('base64') !== s) throw new SeedFileError('invalid-value', what + ' is not valid base64 (non-zero padding bits)');
  return new Uint8Array(bytes);
}

/** Encodes base64 with padding, as XML Schema base64Binary. */
export function base64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
