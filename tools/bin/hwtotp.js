#!/usr/bin/env node
// The hwtotp command: runs the compiled CLI in ../dist (built by `tsc -b`, which `npm ci` runs as
// the repository's prepare step, and shipped in the package). No TypeScript at run time.
let main;
try {
  ({ main } = await import('../dist/cli.js'));
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]cli\.js/.test(String(e.message))) {
    process.stderr.write('hwtotp: the compiled CLI is missing (tools/dist); run `npm run build` in the repository\n');
    process.exit(1);
  }
  throw e;
}
process.exitCode = await main(process.argv.slice(2));
