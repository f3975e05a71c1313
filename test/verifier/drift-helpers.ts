/**
 * A token whose clock drifts, driven by the simulator's own clock model (tools/src/sim/clock.ts,
 * virtual mode: the host clock moves only when told), in step with the verifier's injected clock.
 * The person reads the code the token shows, then submits it `delay` seconds later.
 */
import { SimClock } from '../../tools/src/sim/clock.ts';
import { codeAt, type Rig } from './helpers.ts';
import type { NewToken } from '@hwtotp/verifier';

export class DriftingToken {
  readonly clock: SimClock;
  private readonly startMs: number;

  constructor(readonly token: NewToken, readonly rig: Rig, driftPpm: number, skewSeconds = 0) {
    this.startMs = rig.clock.ms;
    this.clock = new SimClock({ mode: 'virtual', skew: skewSeconds, driftPpm, now: () => this.startMs });
  }

  /** Moves the host (server) clock to `ms`, forwards only. */
  at(ms: number): void {
    this.clock.setVirtualElapsed((ms - this.startMs) / 1000);
    this.rig.clock.ms = ms;
  }

  /** The code on the token's screen at the current host time. */
  shown(): string {
    return codeAt(this.token, Math.floor(this.clock.getTime() * 1000));
  }

  /** The code `steps` steps beyond what the token shows now (an attacker's guess at a far step). */
  shownPlus(steps: number): string {
    return codeAt(this.token, Math.floor(this.clock.getTime() * 1000), steps);
  }

  /** The token's true offset now, in whole steps: its step minus the server's. */
  trueOffsetSteps(): number {
    const period = this.token.period ?? 30;
    return Math.floor(this.clock.getTime() / period) - Math.floor(this.clock.hostTime() / period);
  }

  /** Reads the code at host time `ms` and submits it `delay` s later: the verifier sees it then. */
  read(ms: number, delay: number): { code: string; submitAt: number } {
    this.at(ms);
    return { code: this.shown(), submitAt: ms + Math.round(delay * 1000) };
  }

  /** Reads, waits `delay` s, signs in (as `user`). */
  async signIn(user: string, ms: number, delay: number): Promise<unknown> {
    const { code, submitAt } = this.read(ms, delay);
    this.at(submitAt);
    return this.rig.v.check(user, code);
  }
}
