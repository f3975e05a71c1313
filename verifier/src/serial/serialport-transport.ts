/**
 * Transport on `serialport` 13 (node-serialport). Maps its open errors to PortNotFound / PortBusy, and
 * its disconnect (the tty vanishing, or a pty's other end closing) to a close with an error.
 */
import { existsSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { SerialError } from './errors.ts';
import { hangupAwareBinding } from './hangup-binding.ts';
import { DEFAULT_BAUD, Transport, TransportOptions } from './transport.ts';

/** Baud rates a UART can be asked for; anything else is probably a typing error. */
const BAUDS = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000];

/** Validates a baud rate, naming the value when it is refused. */
export function checkBaud(baud: number): number {
  if (!BAUDS.includes(baud)) throw new RangeError(`baud rate must be one of ${BAUDS.join(', ')}, got ${baud}`);
  return baud;
}

function openError(path: string, e: Error): SerialError {
  const msg = e.message || String(e);
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|EWOULDBLOCK/i.test(msg)) {
    return new SerialError('PortBusy', `serial port ${path} is busy: another program has it open (close it and retry)`, { port: path, cause: e });
  }
  if (/ENOENT|No such file|cannot open/i.test(msg) && !existsSync(path)) {
    return new SerialError('PortNotFound', `serial port ${path} does not exist (is the token plugged in? check the path)`, { port: path, cause: e });
  }
  if (/EACCES|Permission denied/i.test(msg)) {
    return new SerialError('PortError', `no permission to open serial port ${path} (add yourself to the dialout group?)`, { port: path, cause: e });
  }
  return new SerialError('PortError', `cannot open serial port ${path}: ${msg}`, { port: path, cause: e });
}

/** Opens a serial port. Rejects with SerialError PortNotFound, PortBusy or PortError. */
export async function openSerialTransport(path: string, options: TransportOptions = {}): Promise<Transport> {
  const baudRate = checkBaud(options.baudRate ?? DEFAULT_BAUD);
  if (!existsSync(path)) {
    throw new SerialError('PortNotFound', `serial port ${path} does not exist (is the token plugged in? check the path)`, { port: path });
  }
  // Loaded on first use: importing the verifier (HTTP server, registry CLI) should not load a native addon.
  const { SerialPort: Port } = await import('serialport');
  const binding = (await hangupAwareBinding()) as unknown as ConstructorParameters<typeof Port>[0]['binding'];
  const port = new Port({ path, baudRate, lock: options.lock ?? true, autoOpen: false, binding });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(openError(path, e)) : resolve())));
  return new SerialTransport(path, port);
}

class SerialTransport implements Transport {
  readonly path: string;
  private port: SerialPort;
  private closeListeners: ((error?: Error) => void)[] = [];
  private closedByUs = false;
  private closed = false;

  constructor(path: string, port: SerialPort) {
    this.path = path;
    this.port = port;
    // Errors also arrive as 'close' with a disconnect flag; the listener keeps them from being thrown.
    port.on('error', () => {});
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.closed) return;
      this.closed = true;
      const error = this.closedByUs
        ? undefined
        : new SerialError('TokenDisconnected', `serial port ${path} went away (token unplugged?)${err ? ': ' + err.message : ''}`, { port: path, cause: err });
      for (const l of this.closeListeners) l(error);
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.port.isOpen;
  }

  write(data: string): Promise<void> {
    if (!this.isOpen) return Promise.reject(new SerialError('TokenDisconnected', `serial port ${this.path} is closed`, { port: this.path }));
    return new Promise((resolve, reject) => {
      this.port.write(Buffer.from(data, 'latin1'), (e) => {
        if (e) reject(new SerialError('TokenDisconnected', `writing to serial port ${this.path} failed: ${e.message}`, { port: this.path, cause: e }));
        else resolve();
      });
    });
  }

  onData(listener: (chunk: string) => void): void {
    this.port.on('data', (b: Buffer) => listener(b.toString('latin1')));
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  close(): Promise<void> {
    if (this.closed || !this.port.isOpen) {
      this.closed = true;
      return Promise.resolve();
    }
    this.closedByUs = true;
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
