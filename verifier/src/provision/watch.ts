/**
 * Finding serial ports by glob, for batch provisioning: `/dev/ttyACM*`, `/dev/serial/by-id/*`, or a
 * test's pty symlinks. Only the last path component may hold wildcards (* and ?), which covers every
 * place a serial device appears and keeps the scan to one readdir per pattern.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Where USB tokens appear on Linux: every USB serial device under by-id (a UART adapter's ttyUSB too), and Espruino's CDC ports. */
export const DEFAULT_WATCH = ['/dev/serial/by-id/*', '/dev/ttyACM*'];

function toRegExp(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/**
 * Checks a watch pattern.
 * @throws RangeError naming the pattern when a wildcard is outside the last component.
 */
export function checkWatchPattern(pattern: string): string {
  if (/[*?]/.test(dirname(pattern))) throw new RangeError(`--watch pattern may have wildcards only in its last part, got "${pattern}"`);
  return pattern;
}

/** A present port: the path matched, and the device it resolves to (symlinks followed). */
export interface FoundPort { path: string; device: string }

/**
 * The ports matching any pattern now, one per device (a by-id link and its ttyACM are one token),
 * sorted by path. Missing directories count as empty.
 */
export function scanPorts(patterns: string[]): FoundPort[] {
  const byDevice = new Map<string, FoundPort>();
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const re = toRegExp(basename(pattern));
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (!re.test(name)) continue;
      const path = join(dir, name);
      let device: string;
      try {
        device = realpathSync(path);
      } catch {
        continue; // a dangling link: the device went away
      }
      if (!byDevice.has(device)) byDevice.set(device, { path, device });
    }
  }
  return [...byDevice.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
