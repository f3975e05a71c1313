/**
 * Starting simulated tokens for the serial suites: the real firmware bundle in the simulator, behind
 * a real pty. Uses device/dist/pico.js (written by `npm run build`, which `npm test` runs first); when
 * it is missing (running this folder alone on a fresh checkout) the firmware is built once into a
 * temporary directory instead.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultBundle, startSimulator, type Simulator, type SimulatorOptions } from '../../tools/src/sim/simulator.ts';
import { buildFirmware } from '@hwtotp/tools/build';
import type { Transport, TransportOpener } from '@hwtotp/verifier';
import { openSerialTransport } from '@hwtotp/verifier';

let built: Promise<string> | undefined;

/** The pico bundle path, building it if needed. */
export function picoBundle(): Promise<string> {
  const dflt = defaultBundle('pico');
  if (existsSync(dflt)) return Promise.resolve(dflt);
  built ??= buildFirmware({ distDir: mkdtempSync(join(tmpdir(), 'hwtotp-dist-')) }).then((r) => r.files.pico as string);
  return built;
}

/** Starts a pico simulator on a virtual clock (unless told otherwise). */
export async function startSim(options: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({ bundle: await picoBundle(), clock: 'virtual', ...options });
}

/**
 * A transport opener that pulls the cable at a chosen moment of a chosen request:
 * - 'before-send': the cable goes as the request is written (the token never sees it);
 * - 'reply-lost': the token receives the request and answers, but the answer is lost with the cable.
 */
export function cutAt(op: string, when: 'before-send' | 'reply-lost', unplug: () => Promise<void>): { open: TransportOpener; fired: () => boolean } {
  let fired = false;
  let armed = false;
  const open: TransportOpener = async (path, options) => {
    const inner = await openSerialTransport(path, options);
    const listeners: ((chunk: string) => void)[] = [];
    inner.onData((chunk) => {
      if (armed && !fired) {
        fired = true;
        void unplug();
        return; // swallowed: lost with the cable
      }
      for (const l of listeners) l(chunk);
    });
    const t: Transport = {
      path: inner.path,
      get isOpen() { return inner.isOpen; },
      async write(data) {
        if (!fired && new RegExp(`^\\n?!\\d+ ${op}[ *]`).test(data)) {
          if (when === 'before-send') {
            fired = true;
            await unplug();
          } else armed = true;
        }
        return inner.write(data);
      },
      onData: (l) => void listeners.push(l),
      onClose: (l) => inner.onClose(l),
      close: () => inner.close(),
    };
    return t;
  };
  return { open, fired: () => fired };
}
