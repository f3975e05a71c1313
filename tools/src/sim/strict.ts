/**
 * Loud failure for anything the Espruino shim does not provide: reading a member the shim lacks throws
 * "Espruino shim: <name> is not implemented" instead of quietly yielding undefined, so a firmware
 * change that leans on an unshimmed API fails in the simulator the way it would fail review.
 */

/** Members that JavaScript itself probes on any object (promise resolution, printing, JSON). */
const PROBES = new Set(['then', 'toJSON', 'inspect', 'constructor', 'asymmetricMatch', '$$typeof', 'nodeType', 'toString', 'valueOf']);

/** The error the simulator raises for an unimplemented member; a plain Error subclass the host can recognise. */
export class ShimError extends Error {
  override name = 'ShimError';
}

/**
 * Wraps `target` so that reading an unknown member throws.
 * `absent` lists members that are deliberately missing on this board (they read as undefined, as on the
 * real board, so feature detection works; calling them still fails).
 * `onMissing` lets the simulator record the failure even if the firmware catches the exception.
 */
export function strict<T extends object>(label: string, target: T, onMissing: (e: ShimError) => void, absent: string[] = []): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (typeof prop === 'symbol' || prop in t || PROBES.has(prop) || absent.includes(prop)) return Reflect.get(t, prop, receiver);
      const e = new ShimError(`Espruino shim: ${label}.${prop} is not implemented`);
      onMissing(e);
      throw e;
    },
  });
}
