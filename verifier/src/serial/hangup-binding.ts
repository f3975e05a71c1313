/**
 * A serialport binding that notices a hang-up.
 *
 * With the port in raw mode (VMIN 1, VTIME 0, non-blocking), read() on a tty answers EAGAIN while no
 * data is waiting, and 0 bytes only at end of file: the other end is gone (a pty whose master closed,
 * as when the simulator's cable is pulled, and some USB serial drivers on unplug). @serialport/bindings-cpp
 * 13 retries a 0-byte read at once, forever, so the port never reports the disconnect and spins a CPU
 * core. This binding reads the same way but turns end of file into a disconnect, which the stream
 * reports as a close with an error; every other outcome is unchanged.
 */
import { read } from 'node:fs';
import { promisify } from 'node:util';

const readAsync = promisify(read);

/** The parts of a bindings-cpp unix port binding this file uses. */
interface UnixPort {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: 'readable', cb: (err?: Error | null) => void): void };
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}

interface BindingLike {
  open(options: object): Promise<unknown>;
  list(): Promise<unknown[]>;
}

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

async function hangupAwareRead(port: UnixPort, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    try {
      const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
      if (bytesRead === 0) {
        throw Object.assign(new Error('the device hung up (end of file on the port)'), { code: 'EIO', disconnect: true });
      }
      return { bytesRead, buffer };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw e;
      if (!port.isOpen) throw canceled();
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (err) => (err ? reject(err) : resolve())));
    }
  }
}

/** The platform's binding, with hang-up detection on Linux and macOS. */
export async function hangupAwareBinding(): Promise<BindingLike> {
  const cpp = await import('@serialport/bindings-cpp');
  const base = cpp.autoDetect() as unknown as BindingLike;
  if (process.platform === 'win32') return base;
  return {
    list: () => base.list(),
    async open(options: object) {
      const port = (await base.open.call(base, options)) as UnixPort;
      const checked = port.read.bind(port);
      // Keep the original argument checks, then read our way.
      port.read = async (buffer, offset, length) => {
        if (!port.isOpen || port.fd === null) return checked(buffer, offset, length);
        return hangupAwareRead(port, buffer, offset, length);
      };
      return port;
    },
  };
}
