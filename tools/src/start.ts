/**
 * `npm start`: the whole story on one machine, without hardware.
 *
 * 1. Builds the Pico firmware if device/dist/pico.js is missing or older than its sources.
 * 2. Opens (creating if needed) the SQLite registry: --db, else $HWTOTP_DB, else ./hwtotp.db.
 * 3. Runs that very bundle as a simulated Pico token, its flash kept in `<db>-sim.json` so it
 *    survives restarts, and provisions it over its pty with the real serial client, only when it is
 *    blank or unknown to this registry.
 * 4. Serves the API and console (with the Virtual token page) and prints the console URL, the API
 *    key, the token's serial and how to press its button. Enter in this terminal presses it too.
 * Ctrl-C stops the server, the token and the registry, in that order.
 *
 * The console URL carries the key in its fragment (`#key=...`): browsers never send a fragment to
 * the server, and the console drops it from the address bar once read.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openVerifier, provisionToken, TokenClient, type Verifier } from '@hwtotp/verifier';
import { listenHttp, type RunningServer } from '@hwtotp/verifier/http';
import { defaultBundle, startSimulator, type Simulator } from './sim/index.ts';
import { ROOT } from './build/bundle.ts';


const log = (line = ''): void => { process.stdout.write(line + '\n'); };

/** What is open so far, closed in reverse order on the way out (also on Ctrl-C during start-up). */
const openThings: { name: string; close: () => Promise<unknown> }[] = [];
async function closeAll(): Promise<void> {
  for (const t of openThings.splice(0).reverse()) {
    try {
      await t.close();
    } catch (e) {
      process.stderr.write(`npm start: closing the ${t.name} failed: ${(e as Error).message}\n`);
    }
  }
}
// Until the server is up, Ctrl-C abandons the start-up but still releases what was opened; once it
// is up, Ctrl-C resolves `stopped` and main() shuts down in order. One handler from the first line,
// so no signal ever finds Node's default (an abrupt exit that would strand the pty).
let running = false;
let onStop: () => void = () => undefined;
const stopped = new Promise<void>((resolve) => { onStop = resolve; });
const signalled = (): void => {
  if (running) {
    process.off('SIGINT', signalled);
    process.off('SIGTERM', signalled);
    onStop();
  } else {
    void closeAll().then(() => process.exit(130));
  }
};
process.on('SIGINT', signalled);
process.on('SIGTERM', signalled);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds device/dist/pico.js when it is missing or older than device/src or protocol/src. */
async function ensureFirmware(): Promise<string> {
  const bundle = defaultBundle('pico');
  const sources = Math.max(newestMtime(join(ROOT, 'device', 'src')), newestMtime(join(ROOT, 'protocol', 'src')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return bundle;
  log(existsSync(bundle) ? 'Firmware sources changed: rebuilding device/dist/pico.js ...' : 'Building the firmware (device/dist/pico.js) ...');
  // Loaded only now: the build pulls in TypeScript and rollup, seconds of start-up otherwise wasted.
  const { buildFirmware } = await import('./build/firmware.ts');
  const r = await buildFirmware({ boards: ['pico'] });
  log(`  pico.js: ${r.sizes.pico} bytes`);
  return bundle;
}

async function registryState(v: Verifier, serial: string): Promise<string | undefined> {
  try {
    return (await v.token(serial)).state;
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntity') return undefined;
    throw e;
  }
}

/**
 * Starts the simulated token and makes sure this registry knows it: provisions a blank token,
 * resumes a pending one, and gives a token this registry has never seen (its db was deleted) a
 * fresh flash. Sets the token's clock if it is off, pressing its button for the presence check.
 */
async function startToken(v: Verifier, stateFile: string, bundle: string): Promise<{ sim: Simulator; serial: string; fresh: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const sim = await startSimulator({ board: 'pico', state: stateFile, clock: 'real', bundle });
    const client = await TokenClient.connect(sim.port).catch(async (e) => { await sim.stop(); throw e; });
    try {
      const hello = await client.hello();
      if (hello.state === 'blank') {
        const r = await provisionToken(v, client);
        return { sim, serial: r.serial, fresh: true };
      }
      const state = hello.serial ? await registryState(v, hello.serial) : undefined;
      if (state === 'pending') {
        const r = await provisionToken(v, client).catch(() => undefined);
        if (r) return { sim, serial: r.serial, fresh: true };
      } else if (state !== undefined && hello.serial) {
        const now = Date.now() / 1000;
        if (!hello.clockSet || Math.abs(hello.time - now) > 5) {
          log('Setting the token\'s clock (the simulator presses its button to confirm) ...');
          await client.setTime(Math.floor(Date.now() / 1000), { onWait: () => { setTimeout(() => void sim.press(), 50); } });
        }
        return { sim, serial: hello.serial, fresh: false };
      }
      if (attempt > 0) throw new Error(`the simulated token in ${stateFile} cannot be provisioned for this registry; delete that file and run npm start again`);
      log(`The simulated token (${hello.serial ?? 'no serial'}) is not in this registry: giving it a fresh flash.`);
    } catch (e) {
      await client.close();
      await sim.stop();
      throw e;
    } finally {
      if (client.isOpen) await client.close();
    }
    await sim.stop();
    rmSync(stateFile, { force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const dbPath = values.db || process.env.HWTOTP_DB || './hwtotp.db';
  const host = values.host ?? '127.0.0.1';
  const port = values.port !== undefined ? Number(values.port) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0 to 65535, got "${values.port}"`);

  const bundle = await ensureFirmware();
  const verifier = await openVerifier({ db: dbPath });
  openThings.push({ name: 'registry', close: () => verifier.close() });
  const stateFile = `${dbPath}-sim.json`;
  const token = await startToken(verifier, stateFile, bundle);
  const { sim, serial } = token;
  openThings.push({ name: 'simulated token', close: () => sim.stop() });
  const simHandle = { screen: () => sim.screen(), press: () => sim.press(), screenPng: () => sim.pngBytes(1) };
  let server: RunningServer;
  try {
    server = await listenHttp({ verifier, dbPath, host, port, sim: simHandle, logger: { level: 'warn' } });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    log(`Port ${port} is in use: taking a free one instead.`);
    server = await listenHttp({ verifier, dbPath, host, port: 0, sim: simHandle, logger: { level: 'warn' } });
  }
  openThings.push({ name: 'server', close: () => server.close() });

  const info = await verifier.token(serial);
  running = true;
  const consoleUrl = `${server.url}#key=${encodeURIComponent(server.apiKey.key)}`;
  log();
  log('hwtotp is running: a simulated token, the registry and the web console.');
  log();
  log(`  Console   ${consoleUrl}`);
  log('            (open it in a browser; the key travels in the URL fragment, which is never sent to the server)');
  log(`  API key   ${server.apiKey.key}   ${server.apiKey.source === 'env' ? '(from $HWTOTP_API_KEY)' : `(in ${server.apiKey.file})`}`);
  log(`  Token     serial ${serial}, ${token.fresh ? 'just provisioned' : 'provisioned earlier'}, ${info.state}${info.user ? ` to ${info.user}` : ''}  (simulated Pico; flash in ${stateFile})`);
  log(`  Registry  ${dbPath}`);
  log();
  log('  Press the token\'s button: the "Virtual token" page in the console, or Enter here.');
  log(info.state === 'unassigned'
    ? `  Try it: Assign MFA device → any user and device name → serial ${serial} → two codes 30 s apart → Add MFA; then Sign in with MFA.`
    : '  Try it: Sign in with MFA, or deactivate the token on the Tokens page and assign it again.');
  log('  Ctrl-C stops everything.');
  log();

  const rl = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined;
  rl?.on('line', async () => {
    const lines = await sim.press();
    log(`  token screen: ${lines.length ? lines.join(' | ') : '(dark)'}`);
  });

  await stopped;
  log('Stopping ...');
  rl?.close();
  await closeAll();
  log('Stopped.');
  return 0;
}

main().then((code) => { process.exitCode = code; }, async (e: Error) => {
  process.stderr.write(`npm start: ${e.name && e.name !== 'Error' ? e.name + ': ' : ''}${e.message}\n`);
  await closeAll();
  process.exitCode = 1;
});
