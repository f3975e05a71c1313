/**
 * The espruino-regexp rule: a regex outside the subset Espruino's RegExp implements does not throw on
 * the board, it silently matches something else, so the check must name every such feature. Each
 * case puts the regex on line 2 of an otherwise clean ES5 snippet.
 */
import { describe, expect, it } from 'vitest';
import { checkEspruino } from '@hwtotp/tools/espruino-check';
import { unsupportedRegexFeatures } from '../../tools/src/espruino-check/regexp.ts';

/** Wraps a line so the item sits on line 2, after a clean declaration. */
const at2 = (line: string) => 'var ok = 1;\n' + line + '\n';

const regexProblems = (code: string) => checkEspruino(code).problems.filter((p) => p.rule === 'espruino-regexp');

interface Case { feature: string; regex: string }

/** One regex per unsupported feature, with the feature name the message must contain. */
const UNSUPPORTED: Case[] = [
  { feature: 'a counted quantifier {…}', regex: '/^[a-z]{0,15}$/' },
  { feature: 'a counted quantifier {…}', regex: '/^[0-9]{6}$/' },
  { feature: 'a counted quantifier {…}', regex: '/a{2,}/' },
  { feature: 'an optional quantifier ?', regex: '/^-?[0-9]+$/' },
  { feature: 'a lazy quantifier +?', regex: '/a+?b/' },
  { feature: 'a lazy quantifier *?', regex: '/a*?b/' },
  { feature: 'a group (…)', regex: '/^(ab)+$/' },
  { feature: 'a non-capturing group (?:…)', regex: '/(?:ab)c/' },
  { feature: 'a lookahead (?=…)', regex: '/a(?=b)/' },
  { feature: 'a negative lookahead (?!…)', regex: '/a(?!b)/' },
  { feature: 'a lookbehind (?<=…)', regex: '/(?<=a)b/' },
  { feature: 'a negative lookbehind (?<!…)', regex: '/(?<!a)b/' },
  { feature: 'a named group (?<name>…)', regex: '/(?<n>a)b/' },
  { feature: 'alternation | together with ^ or $', regex: '/^ok|err$/' },
  { feature: 'alternation | together with ^ or $', regex: '/^a|b/' },
  { feature: 'alternation | together with ^ or $', regex: '/a|b$/' },
  { feature: 'a group (…)', regex: '/(cat|dog)/' },
  { feature: 'a backreference \\1', regex: '/(a)\\1/' },
  { feature: 'a word boundary \\b', regex: '/\\bword\\b/' },
  { feature: 'a non-word-boundary \\B', regex: '/a\\B/' },
  { feature: 'a unicode escape \\u', regex: '/\\u00e9/' },
  { feature: 'a control escape \\c', regex: '/\\cJ/' },
  { feature: 'a unicode property escape \\p', regex: '/\\p{L}/' },
  { feature: 'an incomplete hex escape \\x', regex: '/\\x4/' },
  { feature: 'an octal escape \\01', regex: '/\\01/' },
  { feature: 'the escape \\q', regex: '/\\q/' },
  { feature: '^ other than at the very start', regex: '/a^b/' },
  { feature: '$ other than at the very end', regex: '/a$b/' },
  { feature: 'the flag m', regex: '/^a$/m' },
  { feature: 'the flag s', regex: '/a.b/s' },
  { feature: 'the flag u', regex: '/a/u' },
  { feature: 'the flag y', regex: '/a/y' },
  { feature: 'the flag d', regex: '/a/d' },
];

describe('the check catches regex features Espruino\'s RegExp lacks', () => {
  it.each(UNSUPPORTED)('$feature in $regex', (c) => {
    const r = checkEspruino(at2('var re = ' + c.regex + ';'));
    expect(r.ok).toBe(false);
    const hit = r.problems.find((p) => p.rule === 'espruino-regexp' && p.message.indexOf(c.feature) >= 0);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.line).toBe(2);
    expect(hit!.column).toBe(10);
    // The message names the whole regex too, so the offending one can be found in a minified bundle.
    expect(hit!.message).toContain('regex ' + c.regex + ' uses ');
  });

  it('words the problem as documented', () => {
    expect(regexProblems(at2('var re = /^[a-z]{0,15}$/;'))).toEqual([{
      rule: 'espruino-regexp',
      message: 'regex /^[a-z]{0,15}$/ uses a counted quantifier {…}, which Espruino\'s RegExp does not support',
      line: 2,
      column: 10,
    }]);
  });

  it('reports each feature of a regex once, in order', () => {
    expect(unsupportedRegexFeatures('^(0|[1-9][0-9]{0,7})$', '')).toEqual(['a group (…)', 'a counted quantifier {…}', 'alternation | together with ^ or $']);
    expect(unsupportedRegexFeatures('a?b?c?', 'mi')).toEqual(['an optional quantifier ?', 'the flag m']);
  });

  it('reports regexes wherever they are, e.g. as arguments', () => {
    const r = regexProblems('var s = "a-b";\nvar parts = s.split(/-?/);\nvar t = s.replace(/(b)/g, "c");');
    expect(r.map((p) => p.line)).toEqual([2, 3]);
  });
});

/**
 * What Espruino 2v29's own interpreter did with each kind of regex (device/README.md), and what the
 * check says of it: every regex that matched differently there is refused, and the ones that behaved
 * as in JS pass.
 */
describe('the rule follows what Espruino 2v29 was measured to do', () => {
  const MEASURED: { regex: string; onEspruino: string; refused: boolean }[] = [
    { regex: '/u?r/', onEspruino: 'matches only the text "u?r"', refused: true },
    { regex: '/a{1,2}/', onEspruino: 'matches only the text "a{1,2}"', refused: true },
    { regex: '/a+?/', onEspruino: 'matches nothing in "aaa"', refused: true },
    { regex: '/cat|dog/', onEspruino: 'works: "cat" and "dog" match, "cow" does not', refused: false },
    { regex: '/-|_/', onEspruino: 'works: "a-b-c".split gives a, b, c', refused: false },
    { regex: '/^a|b$/', onEspruino: 'does not match "xb"', refused: true },
    { regex: '/^(cat|dog)$/', onEspruino: 'captures "" for "cat"', refused: true },
    { regex: '/^(ab)+$/', onEspruino: 'does not match "abab"', refused: true },
    { regex: '/(a)\\1/', onEspruino: 'throws "Backreferences not supported"', refused: true },
    { regex: '/\\bx/', onEspruino: 'matches nothing', refused: true },
    { regex: '/a(?=b)/', onEspruino: 'matches nothing', refused: true },
  ];
  it.each(MEASURED)('$regex ($onEspruino)', (m) => {
    expect(regexProblems(at2('var re = ' + m.regex + ';')).length > 0).toBe(m.refused);
  });
});

describe('regexes inside the subset pass', () => {
  const SUPPORTED = [
    '/^[0-9A-F]+$/', '/[^ \\t]/', '/^[A-Za-z0-9+=\\/:,.@-]+$/', '/^-*[0-9]+$/i', '/a\\.b/g', '/[?{}()|]/',
    '/\\d\\D\\s\\S\\w\\W\\n\\r\\t\\f\\v\\0\\x41/', '/[\\b]/', '/[a-z\\-\\]]+/gi', '/=+$/', '/.*/', '/a{/', '/^$/',
  ];
  it.each(SUPPORTED)('%s', (regex) => {
    const r = checkEspruino(at2('var re = ' + regex + ';'));
    expect(r.problems).toEqual([]);
  });
});

describe('RegExp(...) calls', () => {
  it('checks a string-literal pattern like a regex literal', () => {
    const r = regexProblems(at2('var re = new RegExp("^[0-9]{6}$");'));
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ line: 2, column: 10 });
    expect(r[0]!.message).toBe('regex /^[0-9]{6}$/ uses a counted quantifier {…}, which Espruino\'s RegExp does not support');
  });

  it('checks RegExp called without new, and the string escapes are the pattern\'s', () => {
    const r = regexProblems(at2('var re = RegExp("\\\\bx");'));
    expect(r).toHaveLength(1);
    expect(r[0]!.message).toContain('regex /\\bx/ uses a word boundary \\b');
    expect(regexProblems(at2('var re = RegExp("\\\\d+");'))).toEqual([]);
  });

  it('checks string-literal flags', () => {
    const r = regexProblems(at2('var re = new RegExp("a", "gm");'));
    expect(r.map((p) => p.message)).toEqual(['regex /a/gm uses the flag m, which Espruino\'s RegExp does not support']);
    expect(regexProblems(at2('var re = new RegExp("^[0-9A-F]+$", "gi");'))).toEqual([]);
  });

  it('reports a pattern that is not a string literal as unverifiable', () => {
    const r = regexProblems(at2('var p = "a"; var re = new RegExp(p);'));
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ rule: 'espruino-regexp', line: 2, column: 23 });
    expect(r[0]!.message).toContain('new RegExp(...) with a pattern that is not a string literal cannot be verified');
    expect(regexProblems(at2('var p = "a"; var re = RegExp("^" + p);'))[0]!.message)
      .toContain('RegExp(...) with a pattern that is not a string literal cannot be verified');
  });

  it('reports flags that are not a string literal as unverifiable', () => {
    const r = regexProblems(at2('var f = "g"; var re = new RegExp("a", f);'));
    expect(r).toHaveLength(1);
    expect(r[0]!.message).toContain('with flags that are not a string literal cannot be verified');
  });

  it('leaves a local function named RegExp alone', () => {
    expect(checkEspruino('function f(RegExp, p) { return new RegExp(p); }\nf(function () {}, "x");').problems).toEqual([]);
  });
});
