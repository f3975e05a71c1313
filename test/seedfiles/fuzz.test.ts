/**
 * Properties: arbitrary records survive PSKC (plain and encrypted) and CSV round trips, and any
 * mutation of a real seed file is either read or refused with a SeedFileError, never another
 * exception (a TypeError would mean a shape the reader did not check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LIMITS } from '@hwtotp/protocol';
import { SeedFileError, readCsv, readPskc, readSeedFile, writeCsv, writePskc, type SeedRecord } from '@hwtotp/verifier/seedfiles';
import { FIG6_PSK, FIG7_PASSWORD, vector } from './helpers.ts';

// XML text is trimmed by the reader and seed files may hold no control character: generate what a
// seed file can carry. Array.from keeps the emoji one code point (split('') would cut it into two lone
// surrogates, which no file can hold). = + - @ and ' at the start exercise CSV formula neutralising.
const text = fc.string({ unit: fc.constantFrom(...Array.from('aZ09 &<>"\',;:=+/@.-_é中🙂')), minLength: 1, maxLength: 20 })
  .map((s) => s.trim()).filter((s) => s.length > 0);
const serial = fc.string({ unit: fc.constantFrom(...'ABCXYZ0189+=/:,.@-'.split('')), minLength: 9, maxLength: 24 });

const record: fc.Arbitrary<SeedRecord> = fc.record({
  serial,
  secret: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  kind: fc.constantFrom('totp' as const, 'hotp' as const),
  algorithm: fc.constantFrom('SHA1' as const, 'SHA256' as const, 'SHA512' as const),
  digits: fc.integer(LIMITS.digits),
  period: fc.integer(LIMITS.period),
  t0: fc.integer(LIMITS.t0),
  driftSteps: fc.integer({ min: -1000, max: 1000 }),
  counter: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  manufacturer: fc.option(text, { nil: undefined }),
  model: fc.option(text, { nil: undefined }),
  issuer: fc.option(text, { nil: undefined }),
}).map((r) => {
  // The normal form the reader produces: HOTP keys have a counter and the TOTP defaults; TOTP keys no counter.
  const out: SeedRecord = { ...r };
  if (r.kind === 'hotp') Object.assign(out, { period: 30, t0: 0, driftSteps: 0 });
  else delete out.counter;
  for (const k of ['manufacturer', 'model', 'issuer'] as const) if (out[k] === undefined) delete out[k];
  return out;
});

describe('round-trip properties', () => {
  it('PSKC plain and with a pre-shared key', () => {
    // No records is no document: writePskc refuses (pskc-export.test.ts).
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
      expect(readPskc(writePskc(records)).records).toEqual(records);
      expect(readPskc(writePskc(records, { psk: FIG6_PSK }), { psk: FIG6_PSK }).records).toEqual(records);
    }), { numRuns: 150 });
  });

  it('CSV (TOTP keys, with no issuer and no drift: CSV writes neither)', () => {
    fc.assert(fc.property(fc.array(record.filter((r) => r.kind === 'totp').map((r) => { const o = { ...r, driftSteps: 0 }; delete o.issuer; return o; }), { maxLength: 5 }), (records) => {
      expect(readCsv(writeCsv(records))).toEqual(records);
    }), { numRuns: 150 });
  });
});

describe('mutation fuzzing', () => {
  const seeds: [string, { psk?: Uint8Array; password?: string }][] = [
    ['rfc6030-figure3.pskcxml', {}],
    ['rfc6030-figure6.pskcxml', { psk: FIG6_PSK }],
    ['feitian-totp-20120919-test001-4282.xml', {}],
  ];
  const mutation = fc.array(fc.record({
    at: fc.nat(),
    op: fc.constantFrom('delete', 'insert', 'replace'),
    ch: fc.constantFrom(...'<>/="\'&;!?[]-x0 \n'.split(''), '<!DOCTYPE', '&amp;', ']]>', '<![CDATA[', 'xmlns:a="b"', '</Key>', '<Key>'),
  }), { minLength: 1, maxLength: 4 });

  for (const [name, opts] of seeds) {
    it(`${name}: every mutation is read or refused with a SeedFileError`, () => {
      const original = vector(name).toString('utf8');
      fc.assert(fc.property(mutation, (muts) => {
        let doc = original;
        for (const m of muts) {
          const i = m.at % (doc.length + 1);
          doc = m.op === 'delete' ? doc.slice(0, i) + doc.slice(i + 1) : m.op === 'insert' ? doc.slice(0, i) + m.ch + doc.slice(i) : doc.slice(0, i) + m.ch + doc.slice(i + 1);
        }
        try {
          readPskc(doc, opts);
        } catch (e) {
          if (!(e instanceof SeedFileError)) throw e;
        }
      }), { numRuns: 400 });
    });
  }

  it('arbitrary bytes as CSV or PSKC are read or refused with a SeedFileError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('<', 'serial,secret\n', ''), (bytes, prefix) => {
      try {
        readSeedFile(Buffer.concat([Buffer.from(prefix), bytes]), { password: prefix === '<' ? FIG7_PASSWORD : undefined });
      } catch (e) {
        if (!(e instanceof SeedFileError)) throw e;
      }
    }), { numRuns: 400 });
  });
});
