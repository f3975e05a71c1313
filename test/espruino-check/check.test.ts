/**
 * The Espruino check must catch every construct Espruino fails on (docs/ARCHITECTURE.md). Each case puts the
 * forbidden item on line 2 of an otherwise clean ES5 snippet, and expects a problem of the right rule
 * whose message names the item, on that line.
 */
import { describe, expect, it } from 'vitest';
import { checkEspruino } from '@hwtotp/tools/espruino-check';

interface Case { item: string; code: string; rule: string; names?: string }

/** Wraps a line so the item sits on line 2, after a clean declaration. */
const at2 = (line: string) => 'var ok = 1;\n' + line + '\n';

const SYNTAX: Case[] = [
  { item: 'destructuring', code: at2('var o = { a: 1 }; var { a } = o;'), rule: 'es5-syntax' },
  { item: 'array destructuring', code: at2('var [p, q] = [1, 2];'), rule: 'es5-syntax', names: 'destructuring' },
  { item: 'spread', code: at2('var xs = [1]; var ys = [].concat([...xs]);'), rule: 'es5-syntax' },
  { item: 'rest parameter', code: at2('function f(...r) { return r; }'), rule: 'es5-syntax' },
  { item: 'default parameter', code: at2('function f(a = 1) { return a; }'), rule: 'es5-syntax' },
  { item: 'computed key', code: at2('var k = "a"; var o = { [k]: 1 };'), rule: 'es5-syntax' },
  { item: 'exponentiation (**)', code: at2('var p = 2 ** 8;'), rule: 'es5-syntax' },
  { item: 'optional chaining (?.)', code: at2('var o = {}; var v = o?.x;'), rule: 'es5-syntax' },
  { item: 'tagged template', code: at2('function t(s) { return s; } var v = t`x`;'), rule: 'es5-syntax' },
  { item: 'async/await', code: at2('function p() { return 1; } async function f() { await p(); }'), rule: 'es5-syntax' },
  { item: 'generator', code: at2('function* gen() { yield 1; }'), rule: 'es5-syntax' },
  { item: 'let', code: at2('let v = 1;'), rule: 'es5-syntax' },
  { item: 'const', code: at2('const v = 1;'), rule: 'es5-syntax' },
  { item: 'arrow function', code: at2('var f = function () { return 1; }; var h = () => f();'), rule: 'es5-syntax' },
  { item: 'class', code: at2('class K {}'), rule: 'es5-syntax' },
  { item: 'template literal', code: at2('var s = `x`;'), rule: 'es5-syntax' },
];

const GLOBALS: Case[] = ['Map', 'Set', 'WeakMap', 'Symbol', 'BigInt', 'TextEncoder', 'Proxy', 'Reflect'].map((g) => ({
  item: g, code: at2('var v = new ' + g + '();'), rule: 'forbidden-global',
}));

const MEMBERS: Case[] = [
  ...['Math.imul(1, 2)', 'Math.clz32(1)', 'Math.trunc(1.5)', 'Array.from([1])', 'Uint8Array.from([1])',
    'Uint8Array.of(1)', 'Int32Array.from([1])', 'Float64Array.of(1)', 'ArrayBuffer.isView(ok)', 'Number.isInteger(1)',
    'Number.isSafeInteger(1)', 'Object.freeze({})'].map((call) => ({
    item: call.substring(0, call.indexOf('(')), code: at2('var v = ' + call + ';'), rule: 'forbidden-member',
  })),
  { item: 'Math["imul"] (computed)', code: at2('var v = Math["imul"](1, 2);'), rule: 'forbidden-member', names: 'Math.imul' },
  { item: 'Promise finally', code: at2('var p = Promise.resolve(1); p.finally(function () {});'), rule: 'forbidden-member', names: 'finally' },
  { item: 'Object.defineProperty(F, "prototype")', code: at2('function F() {} Object.defineProperty(F, "prototype", { writable: false });'),
    rule: 'forbidden-member', names: 'prototype' },
  { item: 'Array.prototype.slice.call', code: at2('function f() { return Array.prototype.slice.call(arguments); }'),
    rule: 'forbidden-member', names: 'Array.prototype.slice.call' },
  { item: 'Object.assign(function)', code: at2('var F = Object.assign(function () {}, { a: 1 });'), rule: 'forbidden-member', names: 'Object.assign' },
  { item: 'Object.assign(named function)', code: at2('function F() {} Object.assign(F, { a: 1 });'), rule: 'forbidden-member', names: 'Object.assign' },
];

const HELPERS: Case[] = [
  // What tsc emits for `class B extends A` without noEmitHelpers: the helper is defined by a var.
  { item: '__extends (defined)', code: at2('var __extends = (this && this.__extends) || function (d, b) { d.prototype = b; };'),
    rule: 'transpiler-helper', names: '__extends' },
  // ... and with noEmitHelpers: it is used and never defined.
  { item: '__extends (used)', code: at2('function A() {} function B() {} __extends(B, A);'), rule: 'transpiler-helper', names: '__extends' },
  ...['__assign', '__spreadArray', '__awaiter', '__generator', '__rest', '__values'].map((h) => ({
    item: h, code: at2('var v = ' + h + '({}, {});'), rule: 'transpiler-helper',
  })),
  { item: '_classCallCheck', code: at2('function _classCallCheck(i, C) { if (!(i instanceof C)) throw new TypeError("x"); }'),
    rule: 'transpiler-helper' },
  { item: '_inherits', code: at2('function F() {} _inherits(F, Object);'), rule: 'transpiler-helper' },
];

const FREE: Case[] = [
  { item: 'process', code: at2('var v = process.env;'), rule: 'undeclared-global' },
  { item: 'process', code: at2('var v = process["memory"]();'), rule: 'undeclared-global' },
  { item: 'process', code: at2('var p = process; var v = p.memory();'), rule: 'undeclared-global' },
  { item: 'Buffer', code: at2('var v = Buffer.alloc(1);'), rule: 'undeclared-global' },
  { item: 'undefinedHelper', code: at2('var v = undefinedHelper(1);'), rule: 'undeclared-global' },
  { item: 'window', code: at2('var v = window;'), rule: 'undeclared-global' },
  { item: 'implicit global assignment', code: at2('leaked = 1;'), rule: 'undeclared-global', names: 'leaked' },
];

const ORDER: Case[] = [
  { item: 'function called before its declaration', code: at2('later(); function later() {}'), rule: 'use-before-define', names: 'later' },
  { item: 'var used before its declaration', code: at2('var a = b; var b = 1;'), rule: 'use-before-define', names: "'b'" },
  { item: 'inner function used before its declaration', code: at2('function outer() { inner(); function inner() {} }'),
    rule: 'use-before-define', names: 'inner' },
  // Conservative on purpose: the check cannot know whether caller() runs before callee is declared.
  { item: 'forward reference from a function body', code: at2('function caller() { return callee(); } function callee() {}'),
    rule: 'use-before-define', names: 'callee' },
];

describe.each([
  ['syntax Espruino lacks', SYNTAX],
  ['globals Espruino lacks', GLOBALS],
  ['members and patterns Espruino lacks', MEMBERS],
  ['transpiler helpers', HELPERS],
  ['free names that are not Espruino globals', FREE],
  ['names used before their declaration', ORDER],
])('the check catches %s', (_title, cases) => {
  it.each(cases)('$item', (c) => {
    const r = checkEspruino(c.code);
    expect(r.ok).toBe(false);
    const hit = r.problems.find((p) => p.rule === c.rule && p.message.indexOf(c.names || c.item) >= 0);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.line).toBe(2);
    expect(hit!.column).toBeGreaterThanOrEqual(1);
  });
});

describe('clean code passes', () => {
  it('accepts ES5 that uses only Espruino globals, in declaration order', () => {
    const code = [
      'var crypto = require("Storage");',
      'function hex(b) { var s = ""; for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16); return s; }',
      'function show() { g.clear(); g.drawString(hex(new Uint8Array([1, 2])), 0, 0); g.flip(); }',
      'setWatch(function () { show(); }, BTN1, { repeat: true, edge: "rising", debounce: 50 });',
      'I2C1.setup({ scl: B6, sda: B7, bitrate: 400000 });',
      'var t = getTime(); setTimeout(function () { E.CRC32("x"); }, 10);',
      'var args = [].slice.call([1, 2]); var o = Object.assign({}, { a: 1 }); var k = Object.keys(o);',
      'new Promise(function (res) { res(1); }).then(function () {}, function () {});',
      'function helper() { return Math.floor(t) + Number("1"); } function later() { return helper(); } later();',
      'if (process.memory().free < 3000) print("low");',
    ].join('\n');
    const r = checkEspruino(code);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('accepts a local that shadows a forbidden name', () => {
    const r = checkEspruino('function f(Map) { return Map.from; }\nvar Math2 = { imul: 1 }; var v = Math2.imul;');
    expect(r.problems).toEqual([]);
  });

  it('allowGlobals extends the allow-list, e.g. for CommonJS output', () => {
    const code = 'var a = require("x");\nexports.a = a;\nmodule.exports = exports;';
    expect(checkEspruino(code).problems.map((p) => p.message)).toEqual([
      'exports is not declared and is not an Espruino global',
      'module is not declared and is not an Espruino global',
      'exports is not declared and is not an Espruino global',
    ]);
    expect(checkEspruino(code, { allowGlobals: ['require', 'exports', 'module'] }).ok).toBe(true);
  });

  it('a bundle cannot switch the check off with eslint comments', () => {
    const r = checkEspruino('/* eslint-disable */\n/* global process */\nvar v = process.env; later(); function later() {}');
    expect(r.problems.map((p) => p.rule).sort()).toEqual(['undeclared-global', 'use-before-define']);
  });

  it('reports acorn\'s own error for text that is not JavaScript at all', () => {
    const r = checkEspruino('var ok = 1;\nvar = ;');
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ rule: 'es5-syntax', line: 2 });
    expect(r.problems[0]!.message).toMatch(/ecmaVersion 5/);
  });
});
