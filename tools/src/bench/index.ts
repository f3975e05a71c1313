/**
 * `npm run bench`: runs every tools/src/bench/*.bench.ts in turn (or only those named on the
 * command line, e.g. `npm run bench -- otp`). Each compares against its peers in the same run and
 * prints ratios, because absolute times on shared machines are noise.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort()
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
for (const f of files) {
  console.log(`\n=== ${f.replace('.bench.ts', '')} ===`);
  const mod = (await import(`./${f}`)) as { run: () => Promise<void> };
  await mod.run();
}
