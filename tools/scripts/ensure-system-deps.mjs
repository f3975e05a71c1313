#!/usr/bin/env node
// Installs the Debian packages hwtotp needs, only when they are missing:
//   oathtool  the independent C oracle for codes (tests);
//   socat     gives the simulated token a real pseudo-terminal (tests, `npm start`, `hwtotp sim`);
//   chromium  the real browser for the web console tests;
//   pskc-utils (python-pskc) and pskctool (libpskc): independent PSKC readers and the RFC 6030 schema check (tests);
//   freeradius-utils (radclient), libpam-radius-auth and pamtester: real RADIUS clients for `hwtotp radius` (tests).
//   postgresql  the server the tests start a throwaway copy of (its binaries live in a versioned folder).
//   faketime  runs the real CLI at a chosen wall-clock time (the clock-drift black-box test).
// Runs as `pretest` with no arguments (every package), and as `prestart` with `socat` alone, so that
// `npm test` and `npm start` on a fresh machine need nothing else. Not root: through `sudo -n` when
// that works without a password, else it names the command to run and fails.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const known = [
  { pkg: 'oathtool', bin: '/usr/bin/oathtool' },
  { pkg: 'socat', bin: '/usr/bin/socat' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'pskc-utils', bin: '/usr/bin/pskc2csv' },
  { pkg: 'pskctool', bin: '/usr/bin/pskctool' },
  { pkg: 'freeradius-utils', bin: '/usr/bin/radclient' },
  // The PAM module lives under the multiarch directory, whose name depends on the machine.
  { pkg: 'libpam-radius-auth', bin: ['/lib/x86_64-linux-gnu/security/pam_radius_auth.so', '/lib/aarch64-linux-gnu/security/pam_radius_auth.so',
    '/usr/lib/x86_64-linux-gnu/security/pam_radius_auth.so', '/usr/lib/aarch64-linux-gnu/security/pam_radius_auth.so'] },
  { pkg: 'pamtester', bin: '/usr/bin/pamtester' },
  { pkg: 'postgresql', present: () => existsSync('/usr/lib/postgresql') &&
    readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`)) },
  { pkg: 'faketime', bin: '/usr/bin/faketime' },
];
const asked = process.argv.slice(2);
for (const a of asked) {
  if (!known.some((k) => k.pkg === a)) {
    console.error(`ensure-system-deps: unknown package "${a}"; known: ${known.map((k) => k.pkg).join(', ')}`);
    process.exit(2);
  }
}
const wanted = asked.length ? known.filter((k) => asked.includes(k.pkg)) : known;
const missing = wanted.filter((w) => !(w.present ? w.present() : [w.bin].flat().some((b) => existsSync(b)))).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);

const root = !process.getuid || process.getuid() === 0;
const canSudo = () => {
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
if (!root && !canSudo()) {
  console.error(`missing system packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
console.log(`installing system packages: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => (root ? execFileSync('apt-get', args, { stdio: 'inherit', env })
  : execFileSync('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { stdio: 'inherit' }));
run(['update', '-qq']);
run(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
