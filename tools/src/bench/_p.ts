import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openVerifier } from '@hwtotp/verifier';
import { decodeForList } from '../../../verifier/src/sqlite-store.ts';
import { unseal, seedAad } from '../../../verifier/src/seal.ts';
import { hotpGenerator } from '../../../verifier/src/fast-hotp.ts';
const N = 100_000;
const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'pf-'));
const db = join(dir, 'find.db');
const key = Buffer.from('cd'.repeat(32), 'hex');
if (!process.argv[2]) {
  const v = await openVerifier({ db, env: { HWTOTP_MASTER_KEY: 'cd'.repeat(32) }, now: () => Date.UTC(2027,0,15,8,0,10) });
  const secret = (i: number) => new Uint8Array(20).map((_, j) => (j < 4 ? (i >>> (8 * j)) & 255 : (i * 131 + j * 7) & 255));
  for (let from = 0; from < N; from += 10_000) await v.importTokens(Array.from({ length: 10_000 }, (_, k) => ({ serial: `FIND-${String(from + k).padStart(6, '0')}`, secret: secret(from + k) })));
  await v.close();
  console.log(dir);
}
const t = (l: string, f: () => any) => { const a = performance.now(); const r = f(); console.log(l, (performance.now() - a).toFixed(0), 'ms'); return r; };
const d = new Database(db, { readonly: true });
const raw = t('select *', () => d.prepare('SELECT rowid AS _rowid, * FROM tokens ORDER BY serial').all());
t('select * again', () => d.prepare('SELECT rowid AS _rowid, * FROM tokens ORDER BY serial').all());
t('select narrow', () => d.prepare('SELECT serial, sealed_secret, algorithm, digits, period, t0, state, drift_steps, clock_model, version FROM tokens').all());
t('select narrow raw', () => d.prepare('SELECT serial, sealed_secret, algorithm, digits, period, t0, state, drift_steps, clock_model, version FROM tokens').raw().all());
const rows = t('decode', () => (raw as any[]).map(decodeForList));
const secs = t('unseal', () => rows.map((r: any) => unseal(key, r.sealedSecret, seedAad(r.serial))));
t('gens', () => secs.map((s: any) => hotpGenerator('SHA1', s, 6)));
