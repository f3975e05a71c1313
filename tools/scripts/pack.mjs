#!/usr/bin/env node
// `npm run pack -- DIR`: builds the packages (tsc -b, then the firmware bundles) and
// writes one installable tarball per workspace into DIR. Install them together, with or without
// dev dependencies:  npm install --omit=dev DIR/*.tgz
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WORKSPACES = ['protocol', 'device', 'verifier', 'tools'];

const dir = process.argv[2];
if (!dir || dir.startsWith('-')) {
  process.stderr.write('usage: npm run pack -- DIR   (writes the @hwtotp/* tarballs into DIR)\n');
  process.exit(2);
}
const out = resolve(dir);
mkdirSync(out, { recursive: true });
const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
// The bundles ship in @hwtotp/device: an installed copy runs them and cannot build them.
run(process.execPath, [join(ROOT, 'tools', 'dist', 'build', 'index.js')]);
for (const w of WORKSPACES) {
  const [info] = JSON.parse(run('npm', ['pack', '--workspace', w, '--pack-destination', out, '--json', '--silent']));
  process.stdout.write(join(out, info.filename) + '\n');
}
