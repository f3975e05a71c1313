/**
 * Seed-file memory use (issue 13): a file within the 16 MiB size limit must not take the reader past
 * 300 MB. Before the limits, a 15.8 MB PSKC file with 1.3 million attributes on its root took 1.9 GB
 * and 9 s, then "imported 0" with exit 0; a 16 MiB CSV file of 4 million two-byte rows took 2.4 GB
 * and 159 s. Each hostile shape (attributes, depth, elements, rows, fields) is imported
 * through the real CLI in a child process, whose peak resident set size the OS reports, so the
 * figure is the whole process's, not a guess from inside the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_BYTES, SeedFileError, readCsv } from '@hwtotp/verifier/seedfiles';
import { MAX_CSV_ROWS, splitCsv } from '../../verifier/src/seedfiles/csv.ts';
import { DEFAULT_XML_LIMITS, checkXmlLimits } from '../../verifier/src/seedfiles/xml-limits.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEAK_RSS = fileURLToPath(new URL('./fixtures/peak-rss.mjs', import.meta.url));
const MAX_PEAK_MB = 300;
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hwtotp-pskc-mem-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `hwtotp import FILE` for each file, in one child process: each exit code and error, and the peak RSS in MB. */
function importInChild(files: string[]): Promise<{ results: { file: string; code: number; err: string }[]; peakMb: number }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PEAK_RSS, ...files], { cwd: ROOT, env: { ...process.env, HWTOTP_MASTER_KEY: '' } }, (error, stdout) => {
      if (error) return reject(error);
      const lines = stdout.trim().split('\n');
      const peak = /^peak-rss-kib (\d+)$/.exec(lines.pop() ?? '');
      resolve({ results: lines.map((l) => JSON.parse(l) as { file: string; code: number; err: string }), peakMb: peak ? Number(peak[1]) / 1024 : NaN });
    });
  });
}

const SHAPES: [string, () => string | Buffer, RegExp][] = [
  ['1.3 million attributes on the root', () => {
    // Written byte by byte: joining 1.3 million strings took seconds on a busy machine.
    const n = 1_300_000, each = 12; // ' a' + 4 base-36 digits + '="xyz"'
    const head = Buffer.from(HEAD), tail = Buffer.from('/>\n');
    const buf = Buffer.alloc(head.length + n * each + tail.length);
    head.copy(buf);
    const digits = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const rest = Buffer.from('="xyz"');
    for (let i = 0, at = head.length; i < n; i++, at += each) {
      buf[at] = 32; buf[at + 1] = 97;
      for (let d = 0, v = i; d < 4; d++, v = Math.floor(v / 36)) buf[at + 5 - d] = digits[v % 36]!;
      rest.copy(buf, at + 6);
    }
    tail.copy(buf, head.length + n * each);
    return buf;
  }, /XML attributes on one element \(line 2\): more than the limit of 64/],
  ['elements nested 2.3 million deep', () => HEAD + '>' + '<a>'.repeat(2_300_000) + '</a>'.repeat(2_300_000) + '</KeyContainer>\n',
    /XML nesting \(line 2\): more than the limit of 32/],
  ['3.9 million empty elements', () => HEAD + '>' + '<a/>'.repeat(3_900_000) + '</KeyContainer>\n', /XML elements \(line 2\): more than the limit of 150000/],
  ['CSV: 4 million two-byte rows', () => 'serial,secret\n' + 'x,y\n'.repeat(4_000_000), /^hwtotp import: InvalidSeedFile: line 50002: more than 50000 keys in one CSV file; split it$/],
  ['CSV: rows of 1,001 fields', () => 'serial,secret\n' + (','.repeat(1000) + '\n').repeat(16_000), /^hwtotp import: InvalidSeedFile: line 2: more than 16 fields/],
];

describe('hostile seed-file shapes within the size limit', () => {
  it('are refused by the real CLI with exit 1, under 300 MB of peak memory', async () => {
    const files = SHAPES.map(([, make], i) => {
      const file = join(dir, 'shape' + i + '.xml');
      writeFileSync(file, make());
      const size = statSync(file).size;
      expect(size).toBeGreaterThan(14_000_000);
      expect(size).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
      return file;
    });
    const { results, peakMb } = await importInChild(files);
    expect(results).toHaveLength(SHAPES.length);
    results.forEach((r, i) => {
      const [what, , message] = SHAPES[i]!;
      expect({ what, code: r.code, err: r.err }).toEqual({ what, code: 1, err: expect.stringMatching(message) });
      expect(existsSync(files[i] + '.db')).toBe(false);
    });
    // The peak of the whole process over the three imports, Node and tsx included.
    expect(peakMb).toBeGreaterThan(10);
    expect(peakMb).toBeLessThan(MAX_PEAK_MB);
  }, 60_000);
});

describe('CSV bounds', () => {
  it('splits exactly the header and MAX_CSV_ROWS rows, and refuses one more', () => {
    expect(MAX_CSV_ROWS).toBe(50_000);
    expect(splitCsv('serial,secret\n' + 'a,b\n'.repeat(MAX_CSV_ROWS))).toHaveLength(MAX_CSV_ROWS + 1);
    expect(() => splitCsv('serial,secret\n' + 'a,b\n'.repeat(MAX_CSV_ROWS + 1))).toThrow(/more than 50000 keys/);
    expect(splitCsv('a' + ',a'.repeat(15))[0]!.fields).toHaveLength(16);
    expect(() => splitCsv('a' + ',a'.repeat(16))).toThrow(/^line 1: more than 16 fields/);
  });

  it('lists the first 100 bad rows and counts the rest', () => {
    let e: SeedFileError | undefined;
    try { readCsv('serial,secret\n' + 'HW0000001,!!\n'.repeat(150)); } catch (x) { e = x as SeedFileError; }
    expect(e?.message).toMatch(/^150 rows are bad:\n {2}line 2, column secret: not valid base32/);
    expect(e?.problems).toHaveLength(101);
    expect(e?.problems[100]).toBe('... and 50 more bad rows');
  });
});

describe('checkXmlLimits', () => {
  const refused = (text: string, limits = DEFAULT_XML_LIMITS) => {
    try {
      checkXmlLimits(text, limits);
    } catch (e) {
      expect(e).toBeInstanceOf(SeedFileError);
      return (e as SeedFileError).message;
    }
    return 'accepted';
  };
  const small = { elements: 5, attributesPerElement: 3, attributes: 4, depth: 3 };

  it('holds exactly at each limit and refuses one more', () => {
    expect(refused('<r>' + '<a/>'.repeat(4) + '</r>', small)).toBe('accepted');
    expect(refused('<r>' + '<a/>'.repeat(5) + '</r>', small)).toMatch(/^XML elements \(line 1\): more than the limit of 5/);
    expect(refused('<r a="1" b=\'2\' c="3"/>', small)).toBe('accepted');
    expect(refused('<r a="1" b="2" c="3" d="4"/>', small)).toMatch(/^XML attributes on one element/);
    expect(refused('<r a="1" b="2" c="3"><s d="4"/><s e="5"/></r>', small)).toMatch(/^XML attributes \(line 1\): more than the limit of 4/);
    expect(refused('<a><b><c/></b></a>', small)).toBe('accepted');
    expect(refused('<a><b><c><d/></c></b></a>', small)).toMatch(/^XML nesting/);
    expect(refused('<a>\n<b>\n<c>\n<d>', small)).toMatch(/^XML nesting \(line 4\)/);
  });

  it('does not count what is not markup: comments, CDATA, processing instructions, quoted values', () => {
    const quiet = '<r a="x > <y z=1>"><!-- <a/><a/><a/><a/><a/> --><![CDATA[<a/><a/><a/><a/><a/>]]><?pi <a/><a/><a/><a/><a/> ?></r>';
    expect(refused(quiet, small)).toBe('accepted');
  });

  it('is generous for real PSKC: the shipped limits fit about 7,500 encrypted keys', () => {
    expect(DEFAULT_XML_LIMITS).toEqual({ elements: 150_000, attributesPerElement: 64, attributes: 150_000, depth: 32 });
  });
});
