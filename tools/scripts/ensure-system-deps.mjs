#!/usr/bin/env node
// Installs the Debian packages the test suites need, only when they are missing:
//   oathtool  the independent C oracle for codes;
//   socat     gives the simulated token a real pseudo-terminal;
//   chromium  the real browser for the web console tests;
//   pskc-utils (python-pskc) and pskctool (libpskc): independent PSKC readers and the RFC 6030 schema check.
// Runs as `pretest`, so `npm test` on a fresh machine needs nothing else.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { pkg: 'oathtool', bin: '/usr/bin/oathtool' },
  { pkg: 'socat', bin: '/usr/bin/socat' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'pskc-utils', bin: '/usr/bin/pskc2csv' },
  { pkg: 'pskctool', bin: '/usr/bin/pskctool' },
];
const missing = wanted.filter((w) => !existsSync(w.bin)).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);
if (process.getuid && process.getuid() !== 0) {
  console.error(`missing system packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`installing system packages: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
