/**
 * The token: state machine (blank → provisioned → blank by WIPE), display, button and physical
 * presence, and the wire protocol v1 handler (protocol/PROTOCOL.md). Pure: it talks only to the HAL.
 *
 * Responsiveness rules (issue 3):
 * - a press on a dark screen draws at once; the only work before the draw is one HMAC, and only
 *   when the time step changed since the last code was computed;
 * - while the screen is on it is redrawn on whole-second ticks, at most once per second, and the
 *   code is recomputed only when the step changes.
 *
 * Every request is answered; a handler that throws is answered with an error and changes nothing.
 * No reply, error or screen ever carries the seed. The code is written for size (the pico bundle
 * has a 12 KB budget): one closure, short messages, no option parsing.
 */
import { Hal, TimerId } from '../hal.ts';
import {
  DecodeResult, ERROR, Frame, FrameDecoder, HashAlgorithm, HelloInfo, MIN_TIME, PROTOCOL_VERSION, STATE,
  cappedErrorReply, dynamicTruncate, encodeCounter, helloArgs, hexToBytes, hmacFromHashes, kcv, okReply, parseProvisionArgs,
  parseTimeArg, stepSecondsLeft, toHex, totpStep, waitReply, writeFrame,
} from '@hwtotp/protocol';
import { TokenRecord, eraseOther, loadRecord, saveRecord } from './record.ts';
import { CLOCK_NOT_SET, NOT_PROVISIONED, codeLines, presenceLines, statusLines } from './screens.ts';
import { FW_VERSION } from './version.ts';

/** The screen goes dark this long after the last press (ms). */
export const DISPLAY_MS = 15000;
/** How long a presence request waits for the press (ms). */
export const PRESENCE_MS = 10000;
/** A hold at least this long refuses a presence request (ms). */
export const HOLD_MS = 2000;

type Args = { [key: string]: string };

/** A request waiting for the button. */
interface Pending {
  id: number;
  /** The operation, as the prompt names it. */
  what: string;
  /** When the request arrived (clock seconds), to carry the wait into a new time. */
  start: number;
  /** Runs the confirmed operation; returns the OK reply's arguments, or throws to fail with STORAGE. */
  run: (waited: number) => Args;
}

/** Starts the token on a HAL: loads the state, binds the button and the link, shows the status. */
export function startToken(hal: Hal): void {
  const crc = hal.crc32;
  const hmac = hmacFromHashes(hal.hashes);
  const decoder = new FrameDecoder(crc);
  const floor = Math.floor;
  const noFlash = 'flash write failed';

  let rec: TokenRecord;
  let seed: Uint8Array | undefined;
  // The clock counts as set once PROVISION or SETTIME set it (a provisioned record implies it was),
  // and while it reads later than MIN_TIME: a Pico without its crystal restarts from 1970.
  let clockSetHere = false;
  let lastStep = -1;
  let lastCode = '';
  let lastSec = -1;
  let lit = false;
  let tickTimer: TimerId;
  let offTimer: TimerId;
  let pending: Pending | undefined;
  let pendingTimer: TimerId;
  let holdTimer: TimerId;
  let pressed = false;

  function applyRecord(r: TokenRecord): void {
    rec = r;
    seed = r.k ? hexToBytes(r.k) : undefined;
    lastStep = -1;
  }

  function clockOk(t: number): boolean {
    return (clockSetHere || !!seed) && t >= MIN_TIME;
  }

  // ---- display -------------------------------------------------------------------------------

  /** Draws the current screen, unless it was already drawn in this second. */
  function draw(): void {
    const t = hal.now();
    const sec = floor(t);
    if (sec === lastSec) return;
    lastSec = sec;
    let left: number;
    if (pending) {
      // Never negative: the timeout fires (and ends the prompt) before any later tick.
      left = Math.ceil(pending.start + PRESENCE_MS / 1000 - t);
      return hal.show(presenceLines(pending.what, left), left / (PRESENCE_MS / 1000));
    }
    const period = rec.p as number;
    const step = totpStep(t, period, rec.t as number);
    if (!seed || !clockOk(t) || step < 0) return hal.show(statusLines(seed ? CLOCK_NOT_SET : NOT_PROVISIONED, rec.s), -1);
    if (step !== lastStep) {
      // HOTP of the step (RFC 4226 §5.3) without hotp()'s parameter checks: the record was checked at PROVISION.
      lastCode = dynamicTruncate(hmac(rec.a as HashAlgorithm, seed, encodeCounter(step)), rec.d as number);
      lastStep = step;
    }
    left = stepSecondsLeft(t, period, rec.t as number);
    hal.show(codeLines(lastCode, left), left / period);
  }

  function tick(): void {
    try {
      draw();
    } catch {
      // A display fault (an OLED off the I2C bus) must not stop the ticks, the replies or the link.
    }
    const t = hal.now();
    // Wake just after the next whole second, so each tick lands in a new second.
    tickTimer = hal.after(1005 - floor((t - floor(t)) * 1000), tick);
  }

  function dark(): void {
    hal.cancel(tickTimer);
    lit = false;
    hal.off();
  }

  /** Shows the current screen now and keeps it on for DISPLAY_MS (or while presence waits). */
  function wake(): void {
    hal.cancel(tickTimer);
    hal.cancel(offTimer);
    lit = true;
    lastSec = -1;
    tick();
    if (!pending) offTimer = hal.after(DISPLAY_MS, dark);
  }

  // ---- replies -------------------------------------------------------------------------------

  // Replies are built with protocol/src/reply.ts, the builders hosts check against.
  function send(frame: Frame): void {
    hal.link.write(writeFrame(frame, crc));
  }

  function ok(id: number, args: Args): void {
    send(okReply(id, args));
  }

  function fail(id: number, code: string, msg: string): void {
    send(cappedErrorReply(id, code, msg));
  }

  // ---- presence ------------------------------------------------------------------------------

  /** Ends the wait for the button; returns the request that was waiting. */
  function endPending(): Pending {
    const p = pending as Pending;
    hal.cancel(pendingTimer);
    hal.cancel(holdTimer);
    pending = undefined;
    wake();
    return p;
  }

  function askPresence(id: number, what: string, run: Pending['run']): void {
    pending = { id: id, what: what, start: hal.now(), run: run };
    pressed = false;
    send(waitReply(id, PRESENCE_MS / 1000));
    pendingTimer = hal.after(PRESENCE_MS, function () {
      fail(endPending().id, ERROR.PRESENCE_REQUIRED, 'no press in time');
    });
    wake();
  }

  function deny(): void {
    fail(endPending().id, ERROR.PRESENCE_DENIED, 'button held: refused');
  }

  function confirm(): void {
    const p = pending as Pending;
    let result: Args | undefined;
    try {
      result = p.run(hal.now() - p.start);
    } catch {
      // Only a failed flash write throws here; the state in RAM was not changed.
    }
    endPending();
    if (result) ok(p.id, result);
    else fail(p.id, ERROR.STORAGE, noFlash);
  }

  // ---- button --------------------------------------------------------------------------------

  function onButton(down: boolean): void {
    if (pending) {
      // Only a press that starts while the prompt is up counts; a hold of HOLD_MS refuses.
      if (down) {
        pressed = true;
        holdTimer = hal.after(HOLD_MS, deny);
      } else if (pressed) confirm();
    } else if (down) {
      // A dark screen lights at once; a lit one already shows the current screen and only stays on longer.
      if (lit) {
        hal.cancel(offTimer);
        offTimer = hal.after(DISPLAY_MS, dark);
      } else wake();
    }
  }

  // ---- operations ----------------------------------------------------------------------------

  const HANDLERS: { [op: string]: (id: number, args: Args) => void } = {
    HELLO: function (id, args) {
      // PROTOCOL.md §7.1: a version we cannot speak is refused, naming the one we speak.
      if (args.proto !== undefined && args.proto !== '' + PROTOCOL_VERSION) return fail(id, ERROR.BAD_ARG, 'this token speaks proto ' + PROTOCOL_VERSION);
      const t = hal.now();
      const info: HelloInfo = {
        proto: PROTOCOL_VERSION, fw: FW_VERSION, board: hal.board, state: seed ? STATE.PROVISIONED : STATE.BLANK,
        clockSet: clockOk(t), time: floor(t), hashes: Object.keys(hal.hashes) as HashAlgorithm[],
      };
      if (rec.s) info.serial = rec.s;
      if (seed) {
        info.alg = rec.a as HashAlgorithm;
        info.digits = rec.d;
        info.period = rec.p;
        info.t0 = rec.t;
        // Public by design: lets a host resolve an interrupted provisioning without reading the seed.
        info.kcv = kcv(hmac, rec.a as HashAlgorithm, seed);
      }
      ok(id, helloArgs(info));
    },

    PROVISION: function (id, args) {
      if (seed) return fail(id, ERROR.WRONG_STATE, 'provisioned: WIPE first');
      const checked = parseProvisionArgs(args);
      const v = checked.value;
      if (!v) return fail(id, ERROR.BAD_ARG, checked.error as string);
      if (!hal.hashes[v.algorithm]) return fail(id, ERROR.BAD_ARG, v.algorithm + ' is not available on ' + hal.board);
      const check = kcv(hmac, v.algorithm, v.secret);
      const saved = saveRecord(hal, rec, { q: 0, s: v.serial, k: toHex(v.secret), a: v.algorithm, d: v.digits, p: v.period, t: v.t0 });
      if (!saved) return fail(id, ERROR.STORAGE, noFlash);
      hal.setTime(v.time);
      clockSetHere = true;
      applyRecord(saved);
      ok(id, { kcv: check, serial: v.serial });
      // A lit screen shows the new state at once, not at its next tick.
      lastSec = -1;
      if (lit) {
        try {
          draw();
        } catch {
          // A display fault: the next tick retries.
        }
      }
    },

    SETTIME: function (id, args) {
      const checked = parseTimeArg(args);
      const time = checked.value;
      if (time === undefined) return fail(id, ERROR.BAD_ARG, checked.error as string);
      if (!seed) {
        hal.setTime(time);
        clockSetHere = true;
        return ok(id, { time: '' + time });
      }
      askPresence(id, 'SET TIME', function (waited) {
        // The host's time was right when it sent the request; the wait for the press has passed since.
        const now = time + waited;
        hal.setTime(now);
        clockSetHere = true;
        return { time: '' + floor(now) };
      });
    },

    WIPE: function (id) {
      askPresence(id, 'WIPE', function () {
        const saved = saveRecord(hal, rec, { q: 0 });
        if (!saved) throw 0;
        // A token booted provisioned trusted its clock through the seed; keep that trust once blank.
        clockSetHere = clockOk(hal.now());
        eraseOther(hal, saved);
        applyRecord(saved);
        return { state: STATE.BLANK };
      });
    },

    PING: function (id) {
      ok(id, {});
    },
  };

  function onResult(r: DecodeResult): void {
    const f = r.frame;
    if (!f) return fail(r.id, r.error as string, r.message as string);
    if (!f.id) return fail(0, ERROR.BAD_FRAME, 'request id 0');
    // Ops are capitals (frame.ts), so no inherited Object member such as "toString" can match.
    const handler = HANDLERS[f.op];
    if (!handler) return fail(f.id, ERROR.UNKNOWN_OP, 'unknown op ' + f.op);
    if (pending) return fail(f.id, ERROR.BUSY, 'waiting for a press');
    try {
      handler(f.id, f.args);
    } catch {
      // Handlers validate before they change anything, so reaching here leaves the state as it was.
      fail(f.id, ERROR.BAD_ARG, 'request failed');
    }
  }

  applyRecord(loadRecord(hal));
  hal.onButton(onButton);
  hal.link.on('data', function (chunk: string) {
    // FrameDecoder never throws and bounds its buffer whatever arrives.
    const results = decoder.push('' + chunk);
    for (let i = 0; i < results.length; i++) {
      try {
        onResult(results[i] as DecodeResult);
      } catch {
        // A reply that cannot be sent is dropped; the token keeps serving.
      }
    }
  });
  wake();
}
