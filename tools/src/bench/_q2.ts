import Database from 'better-sqlite3';
for (const mode of ['none', 'mmap', 'cache']) {
const d = new Database(process.argv[2] + '/find.db', { readonly: true });
if (mode === 'mmap') d.pragma('mmap_size = 1073741824');
if (mode === 'cache') d.pragma('cache_size = -131072');
console.log('--', mode);
const t = (l: string, sql: string, raw = false) => { const s = d.prepare(sql); if (raw) s.raw(); const a = performance.now(); const r = s.all(); console.log(l.padEnd(20), (performance.now() - a).toFixed(0), 'ms', r.length); return r; };
t('digits', 'SELECT digits FROM tokens');
t('digits', 'SELECT digits FROM tokens');
t('blob', 'SELECT sealed_secret FROM tokens');
t('star', 'SELECT * FROM tokens');
t('narrow', 'SELECT serial, sealed_secret, algorithm, digits, period, t0, state, drift_steps, clock_model, version FROM tokens');
t('narrowraw', 'SELECT serial, sealed_secret, algorithm, digits, period, t0, state, drift_steps, clock_model, version FROM tokens', true);
d.close();
}
