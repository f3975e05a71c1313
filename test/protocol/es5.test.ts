/**
 * protocol/src must compile to ES5 and run on Espruino (issue 2). The firmware's compile (tsc ES5,
 * noEmitHelpers, rollup to one CommonJS file) is run on protocol/src, the Espruino check must find
 * nothing, and the output must compute RFC 6238 codes in a V8 context stripped of what Espruino lacks.
 */
import vm from 'node:vm';
import ts from 'typescript';
import { minify } from 'terser';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkEspruino } from '@hwtotp/tools/espruino-check';
import { RFC4226, RFC6238_CASES } from '../vectors/index.ts';
import { NOBLE_HASHES } from './hmac-impls.ts';
import { bundleProtocol, compileProtocol } from './es5-build.ts';

const ESM = compileProtocol(ts.ModuleKind.ES2015);
let bundle = '';
/** The bundle minified as the firmware build does it (terser at ecma 5, top-level names mangled). */
let minified = '';

beforeAll(async () => {
  bundle = await bundleProtocol(ESM.files);
  minified = (await minify(bundle, { ecma: 5, toplevel: true, mangle: true, compress: { passes: 2 } })).code || '';
});

/** Globals and members Espruino lacks (tools/src/espruino-check/globals.ts), removed from the sandbox so a use fails loudly. */
const STRIP = `
  ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'BigInt', 'Proxy', 'Reflect', 'TextEncoder', 'TextDecoder',
   'FinalizationRegistry', 'BigInt64Array', 'BigUint64Array'].forEach(function (n) { delete globalThis[n]; });
  delete Math.imul; delete Math.clz32; delete Math.trunc; delete Array.from; delete Array.of; delete ArrayBuffer.isView;
  delete Number.isInteger; delete Number.isSafeInteger; delete Object.freeze; delete Promise.prototype.finally;
  delete Object.getPrototypeOf(Uint8Array).from; delete Object.getPrototypeOf(Uint8Array).of;
  delete String.prototype.padStart; delete String.prototype.repeat; delete Array.prototype.includes;
`;

describe('protocol/src compiled to ES5', () => {
  it('type-checks against the ES5 library alone, and emits exactly index.ts and its imports', () => {
    expect(ESM.diagnostics).toEqual([]);
    const names = Object.keys(ESM.files).sort();
    expect(names).toContain('index.js');
    expect(names).toContain('hotp.js');
    expect(names).not.toContain('host.js');
    expect(names).not.toContain('base32.js');
  });

  it('the bundle, plain and minified, passes the Espruino check', () => {
    const result = checkEspruino(bundle, { filename: 'protocol.js', allowGlobals: ['exports'] });
    expect(result.problems).toEqual([]);
    expect(result.ok).toBe(true);
    expect(minified.length).toBeGreaterThan(1000);
    expect(minified.length).toBeLessThan(bundle.length);
    expect(checkEspruino(minified, { allowGlobals: ['exports'] }).problems).toEqual([]);
    // No helper slipped in: the check would flag it, and tsc was told not to emit them.
    expect(bundle).not.toMatch(/__extends|__assign|__spread/);
  });

  it('every emitted file parses at ES5 and uses nothing Espruino lacks (module syntax aside)', () => {
    for (const [name, text] of Object.entries(ESM.files)) {
      const problems = checkEspruino(text, { filename: name }).problems
        .filter((p) => !(p.rule === 'es5-syntax' && /ES module syntax/.test(p.message)));
      expect({ name, problems }).toEqual({ name, problems: [] });
    }
  });

  it('tsc\'s own CommonJS output would not run on Espruino, and the check says why', () => {
    // tsc hoists `exports.f = f;` above `function f`; Espruino does not hoist, hence the rollup step.
    const cjs = compileProtocol(ts.ModuleKind.CommonJS);
    const hotp = checkEspruino(cjs.files['hotp.js']!, { allowGlobals: ['require', 'exports', 'module'] });
    expect(hotp.problems.map((p) => p.rule)).toContain('use-before-define');
    expect(hotp.problems.find((p) => p.rule === 'use-before-define')!.message).toMatch(/'(checkDigits|counterBytes|truncate|hotp)'/);
    const index = checkEspruino(cjs.files['index.js']!, { allowGlobals: ['require', 'exports', 'module'] });
    expect(index.problems.map((p) => p.message).join('\n')).toMatch(/__exportStar is a transpiler helper/);
  });

  describe.each(['bundle', 'minified'])('the %s, running in a context without Map, Set, Symbol, BigInt, Math.imul, Array.from, ...', (which) => {
    let api: any;
    let context: vm.Context;
    beforeAll(() => {
      context = vm.createContext({});
      vm.runInContext(STRIP, context);
      vm.runInContext('var exports = {};\n' + (which === 'bundle' ? bundle : minified), context, { filename: 'protocol.js' });
      api = vm.runInContext('exports', context);
    });

    it('the sandbox really lacks them', () => {
      expect(vm.runInContext('[typeof Map, typeof Set, typeof Symbol, typeof BigInt, typeof Math.imul, typeof Array.from, typeof Number.isInteger]', context))
        .toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    });

    it.each(RFC6238_CASES)('RFC 6238 $algorithm at $time through hmacFromHashes over raw hashes: $code', (c) => {
      const hmac = api.hmacFromHashes(NOBLE_HASHES);
      expect(api.totp(hmac, c.key, c.time, { algorithm: c.algorithm, digits: 8, period: 30 })).toBe(c.code);
    });

    it('RFC 4226 HOTP values, KCV, CRC-32 and framing work too', () => {
      const hmac = api.hmacFromHashes(NOBLE_HASHES);
      expect(RFC4226.rows.map((r) => api.hotp(hmac, RFC4226.secret, r.count))).toEqual(RFC4226.rows.map((r) => r.hotp));
      expect(api.kcv(hmac, 'SHA1', RFC6238_CASES[0]!.key)).toBe('E7DFA3');
      expect(api.crc32('123456789')).toBe(0xcbf43926);
      const line = api.encodeFrame({ id: 7, op: 'PING', args: {} }, api.crc32);
      expect(api.decodeLine(line.replace(/\n$/, ''), api.crc32).frame).toMatchObject({ id: 7, op: 'PING' });
    });

    it('a missing hash is refused with an error naming the algorithm', () => {
      const hmac = api.hmacFromHashes({ SHA1: NOBLE_HASHES.SHA1 });
      expect(() => api.totp(hmac, RFC4226.secret, 59, { algorithm: 'SHA512' })).toThrow('hash SHA512 is not available here');
    });
  });
});
