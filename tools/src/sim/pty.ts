/**
 * The serial link as a real pseudo-terminal, served by socat.
 *
 * Why socat: Node has no API to open a pty pair, and node-pty (a native addon) spawns a *program* on the
 * slave side and hands us the master; we need the opposite, a slave path that another process (the
 * verifier, `serialport`, `screen`) opens like /dev/ttyACM0, while we hold the master. socat's
 * `pty,raw,echo=0,link=PATH` address creates exactly that, relays the master to its stdin/stdout, and
 * symlinks the slave at a stable PATH. `ignoreeof` keeps it serving when the host closes the port and
 * opens it again (otherwise the master's EIO on close ends socat).
 *
 * Bytes cross as latin1, which is what an Espruino string holds: one char per byte.
 */
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export class PtyLink {
  private proc: ChildProcessWithoutNullStreams | undefined;
  /** The /dev/pts/N path of the current socat. */
  devPath = '';

  constructor(
    /** The stable symlink the simulator prints (re-created on replug). */
    readonly linkPath: string,
    private readonly onData: (bytes: string) => void,
  ) {}

  /** Starts socat and resolves once the pty exists. */
  async open(): Promise<void> {
    if (this.proc) return;
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,ignoreeof,link=${this.linkPath}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout.on('data', (d: Buffer) => {
      if (this.proc === proc) this.onData(d.toString('latin1'));
    });
    proc.stdin.on('error', () => undefined); // writes racing an unplug are dropped, like bytes on a pulled cable
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new Error(`cannot start the pty with socat (${why}); install socat (tools/scripts/ensure-system-deps.mjs does) ${log.trim().split('\n').slice(-2).join(' ')}`));
      proc.on('error', (e) => fail(e.message));
      proc.on('exit', (code) => fail(`socat exited with ${code}`));
      const onLog = (d: Buffer) => {
        log += d.toString();
        const m = /PTY is (\S+)/.exec(log);
        if (!m) return;
        proc.stderr.off('data', onLog);
        proc.stderr.resume(); // keep draining socat's log so it never blocks
        this.devPath = m[1]!;
        // socat creates the symlink right after printing the path
        const deadline = Date.now() + 2000;
        const wait = () => {
          if (existsSync(this.linkPath)) resolve();
          else if (Date.now() > deadline || this.proc !== proc) fail(`no symlink at ${this.linkPath}`);
          else setTimeout(wait, 2);
        };
        wait();
      };
      proc.stderr.on('data', onLog);
    });
    proc.removeAllListeners('exit');
    proc.on('exit', () => {
      if (this.proc === proc) this.proc = undefined;
    });
  }

  /** True while a pty exists (between open and unplug/close). */
  get connected(): boolean {
    return !!this.proc;
  }

  /** Sends bytes (a latin1 string) to the host; dropped while unplugged. */
  write(bytes: string): void {
    if (this.proc && bytes.length) this.proc.stdin.write(Buffer.from(bytes, 'latin1'));
  }

  /** Pulls the cable: the pty disappears mid-stream and the host sees its port fail. */
  async close(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    this.proc = undefined;
    this.devPath = '';
    const gone = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
}
