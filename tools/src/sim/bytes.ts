/** Converting what Espruino APIs accept as data (strings of bytes, numbers, arrays, typed arrays, ArrayBuffers) to bytes. */

const tag = (v: unknown) => Object.prototype.toString.call(v);

/** Whether v is an ArrayBuffer from any realm (the bundle's context has its own constructor). */
export function isArrayBuffer(v: unknown): v is ArrayBuffer {
  return tag(v) === '[object ArrayBuffer]';
}

/** Flattens Espruino data arguments to byte values, as Serial.write / I2C.writeTo / E.CRC32 iterate them. */
export function byteValues(data: unknown, what: string): number[] {
  if (typeof data === 'string') {
    const out = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data.charCodeAt(i) & 0xff;
    return out;
  }
  if (typeof data === 'number' || typeof data === 'boolean') return [Number(data) & 0xff];
  if (isArrayBuffer(data)) return Array.prototype.slice.call(new Uint8Array(data)) as number[];
  // typed arrays are iterated element by element, each element taken as a byte, as Espruino does
  if (ArrayBuffer.isView(data) && tag(data) !== '[object DataView]') return (Array.prototype.slice.call(data) as number[]).map((v) => Number(v) & 0xff);
  if (ArrayBuffer.isView(data)) return Array.prototype.slice.call(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) as number[];
  if (Array.isArray(data)) return data.flatMap((d) => byteValues(d, what));
  if (data && typeof data === 'object' && 'data' in data) {
    const o = data as { data: unknown; count?: number };
    const once = byteValues(o.data, what);
    const out: number[] = [];
    for (let i = 0; i < (o.count ?? 1); i++) out.push(...once);
    return out;
  }
  throw new TypeError(`${what}: cannot send ${data === null ? 'null' : typeof data} as bytes`);
}

/** Bytes as a "binary string" (one char per byte), which is how Espruino strings hold data. */
export function byteString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]! & 0xff);
  return s;
}
