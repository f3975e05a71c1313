/**
 * Espruino's require("Storage") (flash files), kept in a JSON state file so a simulated token keeps its
 * seed, serial and settings across restarts, as flash does across power cycles.
 *
 * Semantics follow Espruino's Storage library: names up to 28 characters; read() returns a string of
 * bytes or undefined; readJSON() parses (throws on bad JSON unless told not to); write(name, data) with
 * a string, an array of bytes, an ArrayBuffer/typed array, or an object (stored as JSON); write at
 * offset 0 with a size creates a file padded with 0xFF, later writes at an offset program flash (they
 * can only clear bits: new = old AND data); erase(); list(regex); compact().
 *
 * Deleted bytes stay in flash, as on Espruino: erase() only marks a file deleted, and writing a file
 * at offset 0 that exists marks the old one deleted and writes a new one. Those bytes stay readable
 * off the chip (image()) until compact() rewrites flash with the live files only (Espruino's
 * jsfCompact copies the live files down and erases every page after them).
 *
 * Power cut: powerCutAfter(n) arms a failure on the n-th next write or erase. That operation throws and
 * the simulator freezes as if the power had gone. An interrupted overwrite leaves neither the old nor
 * the new contents (Espruino retires the old file before it writes the new one), which is the case the
 * firmware's two alternating records must survive. An interrupted erase does not happen.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Maximum file name length on Espruino 2v05 and later. */
export const MAX_NAME = 28;

export const STATE_FORMAT = 'hwtotp-sim-state/1';

/** Thrown by the write or erase the power died in. */
export class PowerCut extends Error {
  override name = 'PowerCut';
}

export class FlashStorage {
  private files = new Map<string, string>();
  /** Contents of deleted files still in the flash image (until compact()). */
  private deleted: string[] = [];
  private cutIn = 0;
  /** Writes and erases done since start (tests count Storage steps with it). */
  ops = 0;
  /** Set when the power is cut: nothing reaches flash any more. */
  dead = false;

  constructor(
    /** The JSON state file, or undefined for a token that forgets everything on exit. */
    readonly stateFile: string | undefined,
    /** Called when the power dies in a Storage step. */
    private readonly onPowerCut: () => void,
  ) {
    if (stateFile) {
      if (!existsSync(dirname(stateFile))) throw new Error(`state file ${stateFile}: its directory does not exist`);
      this.load(stateFile);
    }
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // a new token
      throw e;
    }
    let parsed: { format?: string; files?: { [name: string]: { text?: string; base64?: string } }; deleted?: string[] };
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`state file ${file} is not JSON: ${(e as Error).message}`, { cause: e });
    }
    if (parsed.format !== STATE_FORMAT || typeof parsed.files !== 'object' || parsed.files === null)
      throw new Error(`state file ${file} is not a simulator state (format must be "${STATE_FORMAT}")`);
    for (const [name, f] of Object.entries(parsed.files)) {
      if (typeof f.text === 'string') this.files.set(name, f.text);
      else if (typeof f.base64 === 'string') this.files.set(name, Buffer.from(f.base64, 'base64').toString('latin1'));
      else throw new Error(`state file ${file}: file "${name}" has neither text nor base64`);
    }
    if (parsed.deleted !== undefined) {
      if (!Array.isArray(parsed.deleted) || !parsed.deleted.every((d) => typeof d === 'string')) throw new Error(`state file ${file}: "deleted" must be a list of base64 strings`);
      this.deleted = parsed.deleted.map((d) => Buffer.from(d, 'base64').toString('latin1'));
    }
  }

  /** Writes the state file atomically (a crash of the host never leaves half a state file). */
  private persist(): void {
    if (!this.stateFile) return;
    const files: { [name: string]: { text?: string; base64?: string } } = {};
    for (const [name, data] of [...this.files].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      files[name] = /^[\x20-\x7e]*$/.test(data) ? { text: data } : { base64: Buffer.from(data, 'latin1').toString('base64') };
    const tmp = `${this.stateFile}.${process.pid}.tmp`;
    // the token's flash holds its seed: owner-only, like a key file
    const deleted = this.deleted.map((d) => Buffer.from(d, 'latin1').toString('base64'));
    writeFileSync(tmp, JSON.stringify({ format: STATE_FORMAT, files, deleted }, null, 1) + '\n', { mode: 0o600 });
    renameSync(tmp, this.stateFile);
  }

  /** Arms the power cut on the n-th next write or erase (n >= 1). */
  powerCutAfter(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`powerCutAfter: n must be a positive integer, got ${n}`);
    this.cutIn = n;
  }

  /** Counts a Storage step; if it is the armed one, the power dies now. */
  private step(name: string, overwrite: boolean): void {
    if (this.dead) throw new PowerCut(`Storage step on "${name}" after the power was cut`);
    this.ops++;
    if (this.cutIn > 0 && --this.cutIn === 0) {
      if (overwrite && this.files.has(name)) {
        this.retire(name);
        this.persist();
      }
      this.dead = true;
      this.onPowerCut();
      throw new PowerCut(`power cut during Storage step ${this.ops} on "${name}"`);
    }
  }

  /** Marks a file deleted: its bytes stay in the flash image. */
  private retire(name: string): void {
    const old = this.files.get(name);
    if (old === undefined) return;
    this.deleted.push(old);
    this.files.delete(name);
  }

  /** Every byte of flash that holds data, live or deleted (host side: what a chip reader would see). */
  image(): string {
    return [...this.files.values(), ...this.deleted].join('');
  }

  /** Rewrites flash with the live files only: deleted bytes are gone. A Storage step. */
  compact(): void {
    this.step('(compact)', false);
    this.deleted = [];
    this.persist();
  }

  /** A copy of every file (host side, for tests). */
  snapshot(): Map<string, string> {
    return new Map(this.files);
  }

  static checkName(name: unknown): string {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`Storage: the file name must be a non-empty string, got ${String(name)}`);
    if (name.length > MAX_NAME) throw new RangeError(`Storage: file name "${name}" is longer than ${MAX_NAME} characters`);
    return name;
  }

  read(name: unknown, offset?: unknown, length?: unknown): string | undefined {
    const data = this.files.get(FlashStorage.checkName(name));
    if (data === undefined) return undefined;
    const o = offset === undefined ? 0 : Number(offset) | 0;
    const l = length === undefined ? data.length : Number(length) | 0;
    return data.substr(o, l);
  }

  write(name: unknown, bytes: string, offset?: unknown, size?: unknown): boolean {
    const n = FlashStorage.checkName(name);
    const o = offset === undefined ? 0 : Number(offset) | 0;
    if (o < 0) throw new RangeError(`Storage.write: offset must not be negative, got ${o}`);
    if (o === 0) {
      const total = Math.max(bytes.length, size === undefined ? 0 : Number(size) | 0);
      this.step(n, this.files.has(n));
      this.retire(n);
      this.files.set(n, bytes + '\xff'.repeat(total - bytes.length));
    } else {
      const old = this.files.get(n);
      if (old === undefined) throw new Error(`Storage.write: "${n}" does not exist, so it cannot be written at offset ${o}`);
      if (o + bytes.length > old.length) throw new RangeError(`Storage.write: ${bytes.length} bytes at offset ${o} do not fit in "${n}" (${old.length} bytes)`);
      this.step(n, false);
      let merged = old.slice(0, o);
      for (let i = 0; i < bytes.length; i++) merged += String.fromCharCode(old.charCodeAt(o + i) & bytes.charCodeAt(i) & 0xff);
      this.files.set(n, merged + old.slice(o + bytes.length));
    }
    this.persist();
    return true;
  }

  erase(name: unknown): void {
    const n = FlashStorage.checkName(name);
    this.step(n, false);
    if (this.files.has(n)) {
      this.retire(n);
      this.persist();
    }
  }

  list(filter?: (name: string) => boolean): string[] {
    return [...this.files.keys()].filter((n) => !filter || filter(n));
  }
}
