/**
 * hmacFromHashes, the RFC 2104 construction the firmware runs over a board's native hash: known
 * answers for keys longer than the block (RFC 2202 §3 and RFC 4231 §4.7, which the OTP vectors never
 * reach), and agreement with node:crypto for every key length around the block sizes.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HashAlgorithm, hmacFromHashes, latin1Bytes, toHex } from '@hwtotp/protocol';
import { NOBLE_HASHES, nodeHmac } from './hmac-impls.ts';

const hmac = hmacFromHashes(NOBLE_HASHES);
const filled = (n: number, b: number) => new Uint8Array(n).fill(b);

describe('hmacFromHashes', () => {
  it('RFC 2202 test case 6: HMAC-SHA1 with an 80-byte key (hashed first)', () => {
    expect(toHex(hmac('SHA1', filled(80, 0xaa), latin1Bytes('Test Using Larger Than Block-Size Key - Hash Key First'))))
      .toBe('aa4ae5e15272d00e95705637ce8a3b55ed402112');
  });
  it('RFC 4231 test case 6: HMAC-SHA256 and -SHA512 with a 131-byte key', () => {
    const msg = latin1Bytes('Test Using Larger Than Block-Size Key - Hash Key First');
    expect(toHex(hmac('SHA256', filled(131, 0xaa), msg))).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
    expect(toHex(hmac('SHA512', filled(131, 0xaa), msg)))
      .toBe('80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598');
  });
  it('agrees with node:crypto for every key length from 0 to 200 bytes', () => {
    for (const alg of ['SHA1', 'SHA256', 'SHA512'] as HashAlgorithm[]) {
      for (let n = 0; n <= 200; n++) {
        const key = new Uint8Array(randomBytes(n));
        const msg = new Uint8Array(randomBytes(n % 37));
        const got = toHex(hmac(alg, key, msg));
        const want = toHex(nodeHmac(alg, key, msg));
        if (got !== want) expect({ alg, n, got }).toEqual({ alg, n, got: want });
      }
    }
  });
  it('refuses an algorithm the board has no hash for, naming it', () => {
    const sha1Only = hmacFromHashes({ SHA1: NOBLE_HASHES.SHA1 });
    expect(toHex(sha1Only('SHA1', filled(20, 1), filled(8, 0)))).toBe(toHex(nodeHmac('SHA1', filled(20, 1), filled(8, 0))));
    expect(() => sha1Only('SHA256', filled(20, 1), filled(8, 0))).toThrow(new RangeError('hash SHA256 is not available here'));
    expect(() => sha1Only('MD5' as HashAlgorithm, filled(20, 1), filled(8, 0))).toThrow('hash MD5 is not available here');
  });
  it('does not modify the key or the message', () => {
    const key = filled(100, 7);
    const msg = filled(10, 9);
    hmac('SHA256', key, msg);
    expect(Array.from(key)).toEqual(Array.from(filled(100, 7)));
    expect(Array.from(msg)).toEqual(Array.from(filled(10, 9)));
  });
});
