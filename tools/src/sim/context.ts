/**
 * The JavaScript world the bundle runs in: a Node vm context (its own intrinsics) with what Espruino
 * 2v29 lacks removed, so a bundle that uses any of it fails here as it would on the token
 * (tools/src/espruino-check/globals.ts). Two Espruino quirks cannot be reproduced in V8 and are left to
 * the build check: function declarations are hoisted here, and Array.prototype.slice.call works.
 */
import vm from 'node:vm';

/** Global names Espruino does not have. */
export const MISSING_GLOBALS = [
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'BigInt', 'BigInt64Array', 'BigUint64Array',
  'Proxy', 'Reflect', 'TextEncoder', 'TextDecoder', 'Atomics', 'SharedArrayBuffer', 'WebAssembly', 'Intl', 'queueMicrotask',
  'structuredClone', 'AggregateError',
];

/** Members (object path, then name) Espruino does not have. */
export const MISSING_MEMBERS: [string, string][] = [
  ['Math', 'imul'], ['Math', 'clz32'], ['Math', 'trunc'], ['Math', 'fround'],
  ['Array', 'from'], ['Array', 'of'], ['ArrayBuffer', 'isView'],
  ['Number', 'isInteger'], ['Number', 'isSafeInteger'],
  ['Object', 'freeze'], ['Object', 'isFrozen'], ['Object', 'seal'], ['Object', 'isSealed'], ['Object', 'getOwnPropertySymbols'],
  ['Promise.prototype', 'finally'], ['Promise', 'allSettled'], ['Promise', 'any'],
  ...['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array']
    .flatMap((t): [string, string][] => [[t, 'from'], [t, 'of']]),
];

/** Constructors from inside the context, so values the shim hands the bundle belong to its realm. */
export interface Realm {
  context: vm.Context;
  ArrayBuffer: ArrayBufferConstructor;
  Uint8Array: Uint8ArrayConstructor;
  Array: ArrayConstructor;
  Error: ErrorConstructor;
  JSON: JSON;
  newObject(props: object): object;
}

/** Creates the Espruino-shaped context with the given globals. */
export function createRealm(): Realm {
  const context = vm.createContext({}, { name: 'espruino', codeGeneration: { strings: true, wasm: false } });
  const strip = `(function (g, globals, members) {
    for (var i = 0; i < globals.length; i++) delete g[globals[i]];
    for (var j = 0; j < members.length; j++) {
      var path = members[j][0].split('.'), o = g;
      for (var k = 0; k < path.length; k++) o = o[path[k]];
      delete o[members[j][1]];
    }
    // typed arrays share one hidden base constructor that holds from/of
    delete Object.getPrototypeOf(Uint8Array).from;
    delete Object.getPrototypeOf(Uint8Array).of;
    g.global = g;
    return {
      ArrayBuffer: ArrayBuffer, Uint8Array: Uint8Array, Array: Array, Error: Error, JSON: JSON,
      newObject: function (p) { var o = {}; for (var key in p) o[key] = p[key]; return o; }
    };
  })`;
  // The helpers are captured before anything is deleted; the stripping script is not left in the context.
  const fn = vm.runInContext(strip, context) as (g: object, globals: string[], members: [string, string][]) => Omit<Realm, 'context'>;
  const helpers = fn(vm.runInContext('this', context), MISSING_GLOBALS, MISSING_MEMBERS);
  return { context, ...helpers };
}
