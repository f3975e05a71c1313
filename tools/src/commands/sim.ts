/**
 * `hwtotp sim`: run the firmware bundle as a simulated token behind a real pseudo-terminal
 * (tools/README.md). With --json, stdout carries one event a line and stdin takes one
 * command a line; without, an interactive view in the terminal.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { createInterface } from 'node:readline';
import { boardNames } from '@hwtotp/protocol';
import { Command, Flags, Io, UsageError } from '../command.ts';
import { bundleFor, importToolchain } from '../build/bundle.ts';
import { BoardName, boardByName } from '../sim/boards.ts';
import { startSimulator } from '../sim/simulator.ts';
import { runTerminalView } from '../sim/terminal-view.ts';

/** Where the command finds its bundles and its commands; the defaults are the checkout's and the process's. */
export interface SimSetup {
  /** Where the default bundles are, and where a missing one is built (default device/dist). */
  distDir?: string;
  /** Where that build compiles to (default device/build). */
  buildDir?: string;
  /** Where --json commands come from (default process.stdin). */
  stdin?: NodeJS.ReadableStream & { destroy?: () => void };
}

/**
 * The bundle to run (see build/bundle.ts: an explicit --bundle must exist, the default one is built
 * when missing); saying so on stderr keeps a --json stdout pure.
 */
export async function simBundle(board: BoardName, explicit: string | undefined, io: Io, setup: SimSetup = {}): Promise<string> {
  const file = await bundleFor(board, explicit, {
    distDir: setup.distDir, buildDir: setup.buildDir,
    onBuild: (f) => {
      const shown = relative(process.cwd(), f);
      io.err(`hwtotp sim: ${shown.startsWith('..') ? f : shown} is missing; building it first (npm run build)`);
    },
  });
  if (explicit !== undefined) {
    // V8 runs syntax Espruino cannot (destructuring, arrows, **, hoisting...), and the vm context can
    // only take globals away: so a bundle that did not come through the build gets the build's check.
    const { checkEspruino, formatProblems } = await importToolchain(() => import('../espruino-check/index.ts'), 'checking --bundle');
    const { ok, problems } = checkEspruino(readFileSync(file, 'utf8'));
    if (!ok) {
      const shown = formatProblems(file, problems);
      throw new Error(`--bundle ${file} would not run on Espruino (${problems.length} problem${problems.length === 1 ? '' : 's'}): ` +
        shown.slice(0, 3).join('; ') + (shown.length > 3 ? '; …' : ''));
    }
  }
  return file;
}

function numberFlag(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${String(v)}"`);
  return n;
}

/** `hwtotp sim`, reading its bundles and commands as `setup` says (tests point it at a temporary dist). */
export function simCommand(setup: SimSetup = {}): Command {
  return {
    name: 'sim',
    usage: 'hwtotp sim [--board ' + boardNames().join('|') + '] [--state FILE] [--skew S] [--drift-ppm N] [--clock real|virtual] [--bundle FILE] [--json]',
    options: {
      board: { type: 'string' },
      state: { type: 'string' },
      skew: { type: 'string' },
      'drift-ppm': { type: 'string' },
      clock: { type: 'string' },
      bundle: { type: 'string' },
      json: { type: 'boolean' },
    },
    run: (flags, _pos, io) => runSim(flags, io, setup),
  };
}

export const sim: Command = simCommand();

async function runSim(flags: Flags, io: Io, setup: SimSetup): Promise<number> {
  let board: BoardName;
  try {
    board = boardByName(typeof flags.board === 'string' ? flags.board : 'pico').name;
  } catch (e) {
    throw new UsageError(`--board: ${(e as Error).message}`);
  }
  const clock = typeof flags.clock === 'string' ? flags.clock : 'real';
  if (clock !== 'real' && clock !== 'virtual') throw new UsageError(`--clock must be real or virtual, got "${clock}"`);
  const skew = numberFlag(flags.skew, 'skew');
  const driftPpm = numberFlag(flags['drift-ppm'], 'drift-ppm');
  if (driftPpm !== undefined && driftPpm <= -1e6) throw new UsageError(`--drift-ppm must be above -1000000, got ${driftPpm}`);
  // every flag is checked before a build that takes seconds
  const bundle = await simBundle(board, typeof flags.bundle === 'string' ? flags.bundle : undefined, io, setup);
  const simulator = await startSimulator({
    board,
    clock,
    state: typeof flags.state === 'string' ? flags.state : undefined,
    skew,
    driftPpm,
    bundle,
  });
  if (!flags.json) {
    await runTerminalView(simulator, (s) => process.stdout.write(s));
    return 0;
  }

  const emit = (o: object) => io.out(JSON.stringify(o));
  // Every screen the token shows goes out, in order, also while a press or hold runs (a hold's
  // countdown, a presence prompt, its deny). A change is sent once; only the screen that ends a
  // press or hold is sent even when it repeats the last one, so each of them gets an answer.
  let lastShown: string | undefined;
  let shownCount = 0;
  const show = (lines: string[], always = false) => {
    const json = JSON.stringify(lines);
    if (json === lastShown && !always) return;
    lastShown = json;
    shownCount++;
    emit({ event: 'display', lines });
  };
  // Subscribed before any await: nothing the token draws from now on can be missed.
  simulator.events.on('display', (lines: string[]) => show(lines));
  simulator.events.on('error', (e: Error) => emit({ event: 'error', message: e.message }));
  simulator.events.on('powercut', () => emit({ event: 'error', message: 'power cut: the token is off' }));
  emit({ event: 'ready', port: simulator.port });
  show(simulator.screen(), true); // what the token drew at power-up, before anyone listened

  const seconds = (arg: string | undefined, cmd: string): number => {
    const n = Number(arg);
    if (arg === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${cmd} needs a number of seconds, got "${arg ?? ''}"`);
    return n;
  };
  const input = setup.stdin ?? process.stdin;
  const rl = createInterface({ input, terminal: false });
  // Commands run one after another, in the order they arrive.
  let queue = Promise.resolve();
  let quit: () => void;
  const done = new Promise<void>((r) => (quit = r));
  const handle = async (line: string) => {
    const [cmd, arg, ...extra] = line.trim().split(/\s+/);
    if (!cmd) return;
    try {
      if (extra.length) throw new Error(`too many arguments for ${cmd}`);
      if (cmd === 'press' || cmd === 'hold') {
        const before = shownCount;
        const lines = cmd === 'press' ? await simulator.press() : await simulator.hold(seconds(arg, 'hold'));
        // the screen after it, unless the last change it made already showed exactly that
        if (shownCount === before || JSON.stringify(lines) !== lastShown) show(lines, true);
      } else if (cmd === 'advance') {
        if (clock !== 'virtual') throw new Error('advance needs --clock virtual');
        await simulator.advance(seconds(arg, 'advance'));
      } else if (cmd === 'png') {
        if (!arg) throw new Error('png needs a file name');
        await simulator.png(arg);
      } else if (cmd === 'quit') quit();
      else throw new Error(`unknown command "${cmd}" (commands: press, hold SECONDS, advance SECONDS, png FILE, quit)`);
    } catch (e) {
      // errors the firmware raised are already reported by the 'error' event
      if (!simulator.errors.includes(e as Error)) emit({ event: 'error', message: (e as Error).message });
    }
  };
  rl.on('line', (line) => {
    queue = queue.then(() => handle(line));
  });
  rl.on('close', () => {
    queue = queue.then(() => quit());
  });
  const onSignal = () => quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  await done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  rl.close();
  input.destroy?.(); // a piped stdin would otherwise keep the process alive after quit
  await simulator.stop();
  return 0;
}
