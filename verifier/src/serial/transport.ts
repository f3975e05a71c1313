/**
 * The byte link to a token, reduced to what the client needs (node-serialport style), so the client
 * can run over a USB CDC port, a UART, or anything a test builds.
 */

/** An open link. Data is byte-valued text (latin1): the protocol is ASCII. */
export interface Transport {
  /** The path it was opened on, for messages. */
  readonly path: string;
  /** Whether the link is still open. */
  readonly isOpen: boolean;
  /** Sends text; resolves once the operating system has taken it. */
  write(data: string): Promise<void>;
  /** Registers the receiver of incoming chunks, split anywhere. */
  onData(listener: (chunk: string) => void): void;
  /**
   * Registers a listener for the link going away. `error` is set when it was not closed by us
   * (the cable was pulled, the device vanished).
   */
  onClose(listener: (error?: Error) => void): void;
  /** Closes the link and releases its handle. Safe to call twice. */
  close(): Promise<void>;
}

/** Options for opening a transport. */
export interface TransportOptions {
  /** Line speed. Espruino's USB CDC ignores it, a UART does not. Default 115200. */
  baudRate?: number;
  /** Take an exclusive lock so a second program cannot open the port at the same time. Default true. */
  lock?: boolean;
}

/** Opens a transport on a path. */
export type TransportOpener = (path: string, options?: TransportOptions) => Promise<Transport>;

/** The line speed used when none is given: Espruino's default UART speed. */
export const DEFAULT_BAUD = 115200;
