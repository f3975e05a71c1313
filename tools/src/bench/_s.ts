import Database from 'better-sqlite3';
import { unseal, seedAad } from '../../../verifier/src/seal.ts';
import { hotpGenerator } from '../../../verifier/src/fast-hotp.ts';
const key = Buffer.from('cd'.repeat(32), 'hex');
const d = new Database(process.argv[2] + '/find.db', { readonly: true });
const t = (l: string, f: () => any) => { const a = performance.now(); const r = f(); console.log(l.padEnd(12), (performance.now() - a).toFixed(0), 'ms'); return r; };
// build index map once (simulating a decrypted index)
const all = d.prepare('SELECT serial, sealed_secret FROM tokens').raw().all() as any[];
const index = new Map<string, { iv: string; seed: Buffer }>();
for (const [s, b] of all) index.set(s, { iv: (b as Buffer).subarray(1, 13).toString('hex').toUpperCase(), seed: unseal(key, b, seedAad(s))! });
const packed = Buffer.concat([...index].map(([s, e]) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s), Buffer.from(e.iv, 'hex'), Buffer.from([e.seed.length]), e.seed])));
console.log('packed', packed.length);
for (let rep = 0; rep < 4; rep++) {
  const a0 = performance.now();
  const m = t('parse', () => { const m = new Map<string, { iv: string; seed: Buffer }>(); let o = 0; while (o < packed.length) { const l = packed[o]!; const s = packed.toString('latin1', o + 1, o + 1 + l); o += 1 + l; const iv = packed.toString('hex', o, o + 12); o += 12; const sl = packed[o]!; const seed = packed.subarray(o + 1, o + 1 + sl); o += 1 + sl; m.set(s, { iv, seed }); } return m; });
  const rows = t('read', () => d.prepare("SELECT serial, hex(substr(sealed_secret, 2, 12)), algorithm, period, t0, drift_steps, clock_model FROM tokens WHERE state != 'pending' AND digits = ?").raw().all(6)) as any[];
  let hits = 0; let miss = 0;
  t('gen+search', () => { const step = 56000000; for (const r of rows) { const e = m.get(r[0]); if (!e || e.iv.toUpperCase() !== r[1]) { miss++; continue; } const g = hotpGenerator('SHA1', e.seed, 6); for (let s = step - 1; s <= step + 1; s++) if (g.at(s) === 123456) hits++; } });
  console.log('total', (performance.now() - a0).toFixed(0), miss);
}
