/**
 * The `hwtotp` binary: one dispatcher, one module per subcommand in ./commands.
 * Each module is loaded only when its subcommand runs, so `hwtotp otp` does not open serial ports
 * or databases, and `hwtotp --help` loads none: the one-line summaries live in this table.
 */
import { parseArgs } from 'node:util';
import { Command, Io, UsageError } from './command.ts';

/** Subcommands in the order `--help` lists them. */
const COMMANDS: { [name: string]: [summary: string, load: () => Promise<Command>] } = {
  otp: ['print a TOTP code for a base32 secret', async () => (await import('./commands/otp.ts')).otp],
  build: ['build the firmware bundle(s) into device/dist and print their sizes', async () => (await import('./commands/build.ts')).build],
  flash: ['upload the firmware to a board with the espruino CLI', async () => (await import('./commands/flash.ts')).flash],
  sim: ['run a simulated token on a pseudo-terminal', async () => (await import('./commands/sim.ts')).sim],
  enable: ['assign a token to a user (two consecutive codes)', async () => (await import('./commands/enable.ts')).enable],
  check: ['verify a sign-in code (exit 0 accepted, 1 refused)', async () => (await import('./commands/check.ts')).check],
  resync: ['resync a drifted token (two consecutive codes)', async () => (await import('./commands/resync.ts')).resync],
  deactivate: ['remove a token from its user', async () => (await import('./commands/deactivate.ts')).deactivate],
  list: ['list tokens (of one user, or all)', async () => (await import('./commands/list.ts')).list],
  find: ['name the token that shows two consecutive codes now (exit 1: none or several)', async () => (await import('./commands/find.ts')).find],
  import: ['load a seed file (PSKC or CSV) into the registry, all or nothing', async () => (await import('./commands/import.ts')).importCommand],
  export: ['write seeds from the registry as PSKC or CSV', async () => (await import('./commands/export.ts')).exportCommand],
  serve: ['HTTP API and web console', async () => (await import('./commands/serve.ts')).serve],
  migrate: ['copy a registry into a new one (SQLite file ⇄ postgres:// URL)', async () => (await import('./commands/migrate.ts')).migrate],
  radius: ['RADIUS server: the second factor for VPN, Wi-Fi and SSH (PAM)', async () => (await import('./commands/radius.ts')).radius],
  provision: ['provision a blank token over serial (or --batch: each one plugged in)', async () => (await import('./commands/provision.ts')).provision],
  'remove-pending': ['forget a token whose provisioning never finished', async () => (await import('./commands/remove-pending.ts')).removePending],
  info: ["show what a token reports (state, serial, parameters, clock)", async () => (await import('./commands/info.ts')).info],
  settime: ["set a token's clock (press its button once provisioned)", async () => (await import('./commands/settime.ts')).settime],
  wipe: ['erase a token (press its button to confirm)', async () => (await import('./commands/wipe.ts')).wipe],
};

/** The subcommands, in the order `--help` lists them. */
export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

/** The subcommand of that name, loaded (undefined for an unknown name). */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return COMMANDS[name]?.[1]();
}

function help(io: Io): void {
  io.out('usage: hwtotp <command> [options]   (hwtotp <command> --help for its options)\n');
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 1;
  for (const [name, [summary]] of Object.entries(COMMANDS)) io.out(`  ${name.padEnd(width)} ${summary}`);
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    help(io);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name]?.[1];
  if (!load) {
    io.err(`hwtotp: unknown command "${name}"; run hwtotp --help`);
    return 2;
  }
  const cmd = await load();
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${cmd.usage}`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: !!cmd.positionals, strict: true });
    } catch (e) {
      const msg = (e as Error).message;
      // node's messages carry a second sentence of advice; keep it only where it is the fix (--time=-1).
      const line = /ambiguous/.test(msg) ? msg.replace(/\n.*\n/, ' ').replace(/\n/g, ' ') : msg.split('\n')[0]!;
      throw new UsageError(line.replace(/^Unknown option/, 'unknown option').replace(/\. To specify a positional.*$/, ''));
    }
    return await cmd.run(parsed.values as never, parsed.positionals, io);
  } catch (e) {
    if (e instanceof UsageError) {
      // One line, as a script's log wants it; the usage is one --help away.
      io.err(`hwtotp ${name}: ${e.message} (usage: hwtotp ${name} --help)`);
      return 2;
    }
    const err = e as Error & { code?: string; exitCode?: number };
    io.err(`hwtotp ${name}: ${err.name && err.name !== 'Error' ? err.name + ': ' : ''}${err.message}`);
    return typeof err.exitCode === 'number' ? err.exitCode : 1;
  }
}

function defaultIo(): Io {
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
    env: process.env,
  };
}
