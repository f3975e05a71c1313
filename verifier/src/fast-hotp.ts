/**
 * A fast HOTP value generator for the verifier's window searches (RFC 4226 §5.3, RFC 2104 §2).
 *
 * Why this exists: a resync searches ±1 day (5,760 steps at 30 s; the bench uses ±10,000), and
 * `createHmac` pays for a fresh key schedule, two object allocations and a native call per HMAC.
 * HMAC's first block of each of its two hashes depends only on the key (K xor ipad, K xor opad),
 * so we compress those once per key and keep the two midstates. Each counter then costs exactly two
 * compression-function calls on preallocated word arrays: one for the 8-byte counter, one for the
 * inner digest, with the padding and lengths written in as constants.
 * Measured: node:crypto `createHash().copy()` midstates were slower than createHmac (native call
 * overhead dominates) and @noble/hashes `hmac.create` + `_cloneInto` only ~1.5x faster; the
 * hand-unrolled SHA-1/SHA-256 below are several times faster (see tools/src/bench/verifier.bench.ts).
 * SHA-512 (rare on tokens) uses the noble midstate clone.
 *
 * Values are returned as integers (the truncated value mod 10^digits) so callers compare numbers,
 * which takes the same time whatever the digits (a string compare can stop at the first difference).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { checkDigits, type HashAlgorithm } from '@hwtotp/protocol';

/** HOTP values of one key. */
export interface HotpGenerator {
  readonly digits: number;
  /** HOTP(key, counter) as an integer below 10^digits (format with padStart(digits, '0')). */
  at(counter: number): number;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

function checkCounter(counter: number): void {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new RangeError(`counter must be an integer from 0 to 2^53-1, got ${counter}`);
  }
}

/**
 * Scratch words shared by every generator: at() and the constructors run synchronously to the
 * end, so one buffer serves all of them, and building a generator (once per verify in the
 * stateless path) allocates only its two midstates.
 */
const W = new Int32Array(80);
const H = new Int32Array(16);

/**
 * Writes the 16 words of the key block XOR pad into W. The key is k[start, end), K' without its
 * zero padding (at most 64 bytes): bytes past its end are the padding's zeros, so no padded copy is
 * allocated, which made building a generator a third of find's cost over 100,000 tokens (measured).
 */
function padWords(k: Uint8Array, start: number, end: number, pad: number): void {
  for (let i = 0; i < 16; i++) {
    let word = 0;
    for (let j = 0; j < 4; j++) {
      const at = start + 4 * i + j;
      word = (word << 8) | ((at < end ? k[at]! : 0) ^ pad);
    }
    W[i] = word;
  }
}

/** Dynamic truncation over a digest held as big-endian 32-bit words. */
function truncateWords(h: Int32Array, lastWord: number, mod: number): number {
  const off = h[lastWord]! & 15;
  const w = off >> 2;
  const sh = (off & 3) * 8;
  // 4 bytes from byte offset `off`: straddles words w and w+1 unless aligned.
  const v = sh === 0 ? h[w]! : (h[w]! << sh) | (h[w + 1]! >>> (32 - sh));
  return (v & 0x7fffffff) % mod;
}

// ---- SHA-1 (FIPS 180-4 §6.1) ----------------------------------------------------------------

const SHA1_IV = Int32Array.from([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);

function sha1Compress(state: Int32Array, w: Int32Array, out: Int32Array): void {
  for (let i = 16; i < 80; i++) {
    const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
    w[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!;
  for (let i = 0; i < 20; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 20; i < 40; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 40; i < 60; i++) {
    const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  for (let i = 60; i < 80; i++) {
    const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]!) | 0;
    e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
  }
  out[0] = (state[0]! + a) | 0; out[1] = (state[1]! + b) | 0; out[2] = (state[2]! + c) | 0;
  out[3] = (state[3]! + d) | 0; out[4] = (state[4]! + e) | 0;
}

// ---- SHA-256 (FIPS 180-4 §6.2) --------------------------------------------------------------

const K256 = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const SHA256_IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

function sha256Compress(state: Int32Array, w: Int32Array, out: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!, y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  out[0] = (state[0]! + a) | 0; out[1] = (state[1]! + b) | 0; out[2] = (state[2]! + c) | 0;
  out[3] = (state[3]! + d) | 0; out[4] = (state[4]! + e) | 0; out[5] = (state[5]! + f) | 0;
  out[6] = (state[6]! + g) | 0; out[7] = (state[7]! + h) | 0;
}

/** A compression function: state + one 16-word block (w, extended in place) → out. */
type Compress = (state: Int32Array, w: Int32Array, out: Int32Array) => void;

/**
 * HOTP over SHA-1 or SHA-256 from precomputed inner and outer midstates (RFC 2104 §2): each code
 * costs exactly two compressions, one for the 8-byte counter and one for the inner digest.
 */
class MidstateHotp implements RekeyableHotp {
  private readonly inner: Int32Array;
  private readonly outer: Int32Array;
  private readonly mod: number;
  /** Digest length in 32-bit words: 5 for SHA-1, 8 for SHA-256. */
  private readonly n: number;

  constructor(key: Uint8Array, readonly digits: number, private readonly compress: Compress, private readonly iv: Int32Array,
    private readonly hash: (b: Uint8Array) => Uint8Array) {
    this.mod = POW10[digits]!;
    this.n = iv.length;
    this.inner = new Int32Array(this.n);
    this.outer = new Int32Array(this.n);
    this.setKey(key);
  }

  setKey(key: Uint8Array, start = 0, end = key.length): this {
    // K' (RFC 2104 §2): a key longer than the block is hashed first.
    if (end - start <= 64) return this.midstates(key, start, end);
    const hashed = this.hash(key.subarray(start, end));
    this.midstates(hashed, 0, hashed.length);
    hashed.fill(0);
    return this;
  }

  /** The inner and outer midstates of K' = k[start, end). */
  private midstates(k: Uint8Array, start: number, end: number): this {
    padWords(k, start, end, 0x36); this.compress(this.iv, W, this.inner);
    padWords(k, start, end, 0x5c); this.compress(this.iv, W, this.outer);
    return this;
  }

  at(counter: number): number {
    checkCounter(counter);
    const w = W, h = H, n = this.n;
    // Inner block: counter (8 bytes), 0x80, zeros, bit length (64 + 8) * 8.
    w[0] = Math.floor(counter / 4294967296); w[1] = counter >>> 0; w[2] = 0x80000000;
    w.fill(0, 3, 15); w[15] = 576;
    this.compress(this.inner, w, h);
    // Outer block: inner digest (n words), 0x80, zeros, bit length (64 + 4n) * 8.
    for (let i = 0; i < n; i++) w[i] = h[i]!;
    w[n] = 0x80000000; w.fill(0, n + 1, 15); w[15] = (64 + 4 * n) * 8;
    this.compress(this.outer, w, h);
    return truncateWords(h, n - 1, this.mod);
  }
}

// ---- SHA-512: noble midstate clone ------------------------------------------------------------

class NobleHotp implements HotpGenerator {
  // noble's types for _cloneInto are stricter than its runtime; treat the instance loosely.
  private readonly base: any;
  private tmp: any;
  private readonly msg = new Uint8Array(8);
  private readonly out: Uint8Array;
  private readonly mod: number;

  constructor(key: Uint8Array, readonly digits: number) {
    this.base = hmac.create(sha512, key);
    this.out = new Uint8Array(64);
    this.mod = POW10[digits]!;
  }

  at(counter: number): number {
    checkCounter(counter);
    const m = this.msg;
    const hi = Math.floor(counter / 4294967296), lo = counter >>> 0;
    m[0] = hi >>> 24; m[1] = hi >>> 16; m[2] = hi >>> 8; m[3] = hi; m[4] = lo >>> 24; m[5] = lo >>> 16; m[6] = lo >>> 8; m[7] = lo;
    this.tmp = this.base._cloneInto(this.tmp);
    this.tmp.update(m);
    this.tmp.digestInto(this.out);
    const o = this.out;
    const off = o[o.length - 1]! & 15;
    return (((o[off]! & 0x7f) << 24) | (o[off + 1]! << 16) | (o[off + 2]! << 8) | o[off + 3]!) % this.mod;
  }
}

/** A generator whose key can be replaced: the midstates are recomputed in place. */
export interface RekeyableHotp extends HotpGenerator {
  /** Takes the key key[start, end): a seed inside a larger buffer needs no subarray of its own. */
  setKey(key: Uint8Array, start?: number, end?: number): this;
}

/** SHA-512's rekeyable generator: a new noble instance per key (no midstate words to reuse). */
class NobleRekeyable implements RekeyableHotp {
  private gen: NobleHotp;
  constructor(key: Uint8Array, readonly digits: number) {
    this.gen = new NobleHotp(key, digits);
  }
  setKey(key: Uint8Array, start = 0, end = key.length): this {
    this.gen = new NobleHotp(key.subarray(start, end), this.digits);
    return this;
  }
  at(counter: number): number {
    return this.gen.at(counter);
  }
}

/**
 * One generator for many keys in turn (find's scan over every token): setKey allocates nothing
 * for SHA-1 and SHA-256, where a generator per key made a third of the scan's time garbage
 * collection (measured). The key bytes are not retained.
 */
export function rekeyableHotp(algorithm: HashAlgorithm, key: Uint8Array, digits: number): RekeyableHotp {
  checkDigits(digits);
  if (algorithm === 'SHA1') return new MidstateHotp(key, digits, sha1Compress, SHA1_IV, sha1);
  if (algorithm === 'SHA256') return new MidstateHotp(key, digits, sha256Compress, SHA256_IV, sha256);
  if (algorithm === 'SHA512') return new NobleRekeyable(key, digits);
  throw new RangeError(`algorithm must be SHA1, SHA256 or SHA512, got "${String(algorithm)}"`);
}

/** A generator of HOTP values for one key (a rekeyable one kept to one key). The key bytes are not retained. */
export function hotpGenerator(algorithm: HashAlgorithm, key: Uint8Array, digits: number): HotpGenerator {
  return rekeyableHotp(algorithm, key, digits);
}
