/**
 * The `hwtotp` binary: one dispatcher, one module per subcommand in ./commands.
 * Each module is loaded only when its subcommand runs, so `hwtotp otp` does not open serial ports
 * or databases.
 */
import { parseArgs } from 'node:util';
import { Command, Io, UsageError } from './command.ts';

/** Subcommands in the order `--help` lists them. */
const COMMANDS: { [name: string]: () => Promise<Command> } = {
  otp: async () => (await import('./commands/otp.ts')).otp,
  build: async () => (await import('./commands/build.ts')).build,
  flash: async () => (await import('./commands/flash.ts')).flash,
  sim: async () => (await import('./commands/sim.ts')).sim,
  enable: async () => (await import('./commands/enable.ts')).enable,
  check: async () => (await import('./commands/check.ts')).check,
  resync: async () => (await import('./commands/resync.ts')).resync,
  deactivate: async () => (await import('./commands/deactivate.ts')).deactivate,
  list: async () => (await import('./commands/list.ts')).list,
  find: async () => (await import('./commands/find.ts')).find,
  import: async () => (await import('./commands/import.ts')).importCommand,
  export: async () => (await import('./commands/export.ts')).exportCommand,
  serve: async () => (await import('./commands/serve.ts')).serve,
  provision: async () => (await import('./commands/provision.ts')).provision,
  'remove-pending': async () => (await import('./commands/remove-pending.ts')).removePending,
  info: async () => (await import('./commands/info.ts')).info,
  settime: async () => (await import('./commands/settime.ts')).settime,
  wipe: async () => (await import('./commands/wipe.ts')).wipe,
};

/** Registers a subcommand (used while the command table grows, issue by issue). */
export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

/** The subcommand of that name, loaded (undefined for an unknown name). */
export async function loadCommand(name: string): Promise<Command | undefined> {
  return COMMANDS[name]?.();
}

async function help(io: Io): Promise<void> {
  io.out('usage: hwtotp <command> [options]   (hwtotp <command> --help for its options)\n');
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 1;
  for (const name of Object.keys(COMMANDS)) {
    const cmd = await COMMANDS[name]!();
    io.out(`  ${name.padEnd(width)} ${cmd.summary}`);
  }
}

/** Runs the CLI; returns the exit status. */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    await help(io);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
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
