/**
 * Espruino's console routing. The console (the REPL plus console.log output) lives on one device. At
 * power-up it is the link the host talks to (USB on the pico, Bluetooth on the others); while it is
 * there, bytes from the host go to the REPL, which echoes them and evaluates each line, *not* to the
 * firmware's on('data') handlers. That is why the firmware moves it away with LoopbackA.setConsole(true)
 * or E.setConsole(): a token that forgets leaks a REPL that can read Storage, and the simulator shows it.
 */
import vm from 'node:vm';

export class ConsoleRouter {
  /** Name of the device the console is on: the link's name, 'LoopbackA', or 'null'. */
  device: string;
  private line = '';
  /** Set by setConsole(force): otherwise Espruino moves the console back to USB when USB is plugged in again. */
  forced = false;
  /** Espruino's echo(): on at power-up. */
  echo = true;
  /** console.log output that went to a device other than the link (kept for debugging). */
  readonly offLink: string[] = [];

  constructor(
    readonly linkName: string,
    private readonly context: vm.Context,
    private readonly toHost: (bytes: string) => void,
  ) {
    this.device = linkName;
  }

  /**
   * Moves the console, as Espruino's jsiSetConsoleDevice does: while echo is on it prints
   * "-> NEW" on the old device, then "<- OLD" on the new one. Measured on Espruino 2v29: a board
   * that moves its console off USB with echo on sends "-> LoopbackA" to the host.
   */
  switchTo(device: string, force: boolean): void {
    this.forced = force;
    if (device === this.device) return;
    if (this.echo) this.print('-> ' + device);
    const old = this.device;
    this.device = device;
    if (this.echo) this.print('<- ' + old);
  }

  /** The cable was plugged in again (pico: USB). */
  plugged(): void {
    if (this.linkName === 'USB' && !this.forced) this.switchTo(this.linkName, false);
  }

  get onLink(): boolean {
    return this.device === this.linkName;
  }

  /** console.log / print. */
  print(text: string): void {
    if (this.onLink) this.toHost(text + '\r\n');
    else {
      this.offLink.push(text);
      if (this.offLink.length > 200) this.offLink.shift();
    }
  }

  /** Bytes from the host while the console is on the link: a minimal REPL. */
  repl(bytes: string): void {
    for (const ch of bytes) {
      if (ch === '\r' || ch === '\n') {
        const src = this.line;
        this.line = '';
        this.toHost('\r\n');
        if (src.trim() === '') continue;
        try {
          const v = vm.runInContext(src, this.context, { timeout: 1000 });
          this.toHost('=' + (typeof v === 'string' ? JSON.stringify(v) : String(v)) + '\r\n>');
        } catch (e) {
          this.toHost('Uncaught ' + String(e) + '\r\n>');
        }
      } else {
        this.line += ch;
        this.toHost(ch);
      }
    }
  }
}
