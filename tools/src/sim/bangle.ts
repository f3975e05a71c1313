/**
 * Bangle.js 2's own handling of its button, backlight, screen and lock, as Espruino 2v29 does it
 * (libs/banglejs/jswrap_bangle.c: btnHandlerCommon, wakeUpBangle, the inactivity checks of the
 * poll, setLCDPower, setLCDPowerBacklight, setLocked). The watch's OS sees a button edge before any
 * setWatch does, and may keep it:
 * - while any of lcdPowerTimeout, backlightTimeout or lockTimeout is set and wakeOnBTN1 is on, a
 *   press that turns on the screen (lcdPowerTimeout set, screen off), the backlight
 *   (backlightTimeout set, backlight off) or unlocks the watch (lockTimeout set, locked) does only
 *   that: it is consumed, with its release and any edge within the next 100 ms;
 * - every edge on a locked watch is dropped, whatever the timeouts;
 * - after inactivity the backlight goes off (backlightTimeout), the screen off (lcdPowerTimeout) and
 *   the watch locks (lockTimeout); turning the backlight off by hand locks too when lockTimeout is
 *   set and not longer than backlightTimeout. A press that gets through, setLCDPower(true) with a
 *   timeout set, or an unlock count as activity.
 * Defaults on Bangle.js 2: lcdPowerTimeout 0, backlightTimeout 3000, lockTimeout 5000 (ms),
 * btnLoadTimeout 1500, wakeOnBTN1 true; at power-up the screen and backlight are on and it is unlocked.
 *
 * The timeouts are applied when next looked at (a press, a call), which gives the same state as
 * Espruino's polling. The backlight is state only: the memory LCD reads without it.
 */

/** The setOptions keys modelled, and their types. */
const OPTIONS: { [k: string]: 'number' | 'boolean' } = {
  btnLoadTimeout: 'number',
  lockTimeout: 'number',
  backlightTimeout: 'number',
  lcdPowerTimeout: 'number',
  wakeOnBTN1: 'boolean',
};

export class BangleOs {
  lcdPowerTimeout = 0;
  backlightTimeout = 3000;
  lockTimeout = 5000;
  btnLoadTimeout = 1500;
  wakeOnBTN1 = true;
  lcdOn = true;
  backlightOn = true;
  locked = false;
  /** Presses the OS kept from the firmware (tests read it). */
  swallowed = 0;
  private lastActivity: number;
  /** Set after a waking press: its release and edges until wakeUntil are kept too. */
  private wakeButton = false;
  private wakeUntil = 0;

  constructor(
    /** Milliseconds on a clock setTime() does not move. */
    private readonly now: () => number,
    /** The screen's power follows the LCD controller. */
    private readonly setPower: (on: boolean) => void,
    /** Names an option the model lacks (throws). */
    private readonly missing: (what: string) => never,
  ) {
    this.lastActivity = now();
  }

  /** Applies the inactivity timeouts that ran out since the last activity. */
  private catchUp(): void {
    const idle = this.now() - this.lastActivity;
    if (this.lcdPowerTimeout && this.lcdOn && idle >= this.lcdPowerTimeout) this.lcd(false);
    if (this.backlightTimeout && this.backlightOn && idle >= this.backlightTimeout) this.backlight(false);
    if (this.lockTimeout && !this.locked && idle >= this.lockTimeout) this.locked = true;
  }

  private backlight(on: boolean): void {
    if (on) {
      if (this.backlightTimeout > 0) this.lastActivity = this.now();
    } else if (this.lockTimeout > 0 && this.lockTimeout <= this.backlightTimeout) this.locked = true;
    this.backlightOn = on;
  }

  private lcd(on: boolean): void {
    this.backlight(on);
    if (on) {
      if (this.lcdPowerTimeout > 0 || this.backlightTimeout > 0) this.lastActivity = this.now();
    } else if (this.lockTimeout > 0 && this.lockTimeout <= this.lcdPowerTimeout) this.locked = true;
    this.lcdOn = on;
    this.setPower(on);
  }

  private unlock(): void {
    this.lastActivity = this.now();
    this.locked = false;
  }

  setLCDPower(on: boolean): void {
    this.catchUp();
    this.lcd(on);
  }

  setLocked(locked: boolean): void {
    this.catchUp();
    if (locked) this.locked = true;
    else this.unlock();
  }

  isLocked(): boolean {
    this.catchUp();
    return this.locked;
  }

  /** Bangle.setOptions: the modelled keys, each checked for its type; any other key is named as missing. */
  setOptions(opts: { [k: string]: unknown }): void {
    for (const [k, v] of Object.entries(opts)) {
      const type = OPTIONS[k];
      if (!type) this.missing(`Bangle.setOptions option "${k}"`);
      if (typeof v !== type) throw new TypeError(`Bangle.setOptions: ${k} must be a ${type === 'number' ? 'number of ms' : 'boolean'}, got ${typeof v}`);
    }
    this.catchUp();
    for (const [k, v] of Object.entries(opts)) {
      if (k === 'wakeOnBTN1') this.wakeOnBTN1 = v as boolean;
      else (this as unknown as { [k: string]: number })[k] = Math.max(0, v as number);
    }
  }

  /** A BTN1 edge (true: pressed): whether the OS passes it on to the watches. */
  button(pressed: boolean): boolean {
    this.catchUp();
    const now = this.now();
    if ((this.lcdPowerTimeout || this.backlightTimeout || this.lockTimeout) && this.wakeOnBTN1 && pressed) {
      const lcd = !!this.lcdPowerTimeout && !this.lcdOn;
      const light = !!this.backlightTimeout && !this.backlightOn;
      const unlock = !!this.lockTimeout && this.locked;
      if (lcd || light || unlock) {
        if (lcd) this.lcd(true);
        if (light) this.backlight(true);
        if (unlock) this.unlock();
        this.lastActivity = now;
        this.wakeButton = true;
        this.wakeUntil = now + 100;
        this.swallowed++;
        return false;
      }
    }
    const push = !this.locked;
    if (push) this.lastActivity = now;
    if (this.wakeButton) {
      if (now < this.wakeUntil || !pressed) {
        this.wakeUntil = now + 100;
        return false;
      }
      this.wakeButton = false;
    }
    if (!push && pressed) this.swallowed++;
    return push;
  }
}
