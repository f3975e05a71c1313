/**
 * The RegExp half of the check. Espruino's RegExp engine (src/jswrap_regexp.c, 2v29) implements a
 * small subset of JavaScript's, and a pattern outside it mostly does not throw: it silently matches
 * something else on the board. Measured on Espruino 2v29 (device/README.md):
 * - `?`, `{n,m}` and lazy quantifiers are taken literally: /u?r/ matches only the text "u?r";
 * - plain alternation works (/cat|dog/), but not with an anchor: /^a|b$/ does not match "xb";
 * - alternation inside a group captures wrongly: /^(cat|dog)$/ captures "" for "cat";
 * - a quantified group never matches: /^(ab)+$/ fails on "abab";
 * - backreferences throw; \b and lookahead match nothing.
 * The subset, which this scanner accepts and nothing more:
 * - literal characters, `.`, classes `[...]` and `[^...]` with ranges;
 * - the escapes \d \D \s \S \w \W \n \r \t \f \v \0 \xHH and an escaped punctuation character;
 *   inside a class also \b (backspace there, in JS as in Espruino);
 * - `*` and `+` after a single character, class or escape;
 * - `|` between alternatives, in a pattern without `^` or `$`;
 * - `^` only at the very start and `$` only at the very end;
 * - the flags g and i.
 * Everything else (`?` in any role, counted quantifiers, groups of any kind, `|` with an anchor,
 * backreferences, \b, \B, \u, \c, \p, other flags) is reported by name.
 */

/** The escapes Espruino implements (besides \0 and \xHH, handled apart). */
const CLASS_ESCAPES = 'dDsSwWnrtfv';

/** Flags Espruino's RegExp implements. */
const FLAGS = 'gi';

/** Names the unsupported feature a letter escape `\c` stands for. */
function letterEscape(c: string): string {
  switch (c) {
    case 'b': return 'a word boundary \\b (backspace on Espruino)';
    case 'B': return 'a non-word-boundary \\B';
    case 'u': return 'a unicode escape \\u';
    case 'c': return 'a control escape \\c';
    case 'p':
    case 'P': return 'a unicode property escape \\' + c;
    case 'k': return 'a named backreference \\k';
    default: return 'the escape \\' + c;
  }
}

/**
 * Scans one escape starting at pattern[i] === '\\'. Returns its length and, when Espruino does not
 * implement it the way JS does, the feature to report.
 */
function scanEscape(pattern: string, i: number, inClass: boolean): { length: number; feature?: string } {
  const c = pattern.charAt(i + 1);
  if (c === '') return { length: 1, feature: 'a trailing backslash' };
  if (CLASS_ESCAPES.indexOf(c) >= 0) return { length: 2 };
  if (c === '0') {
    return /[0-9]/.test(pattern.charAt(i + 2)) ? { length: 3, feature: 'an octal escape \\0' + pattern.charAt(i + 2) } : { length: 2 };
  }
  if (c >= '1' && c <= '9') {
    return { length: 2, feature: inClass ? 'an octal escape \\' + c : 'a backreference \\' + c };
  }
  if (c === 'x') {
    return /^[0-9A-Fa-f]{2}$/.test(pattern.substring(i + 2, i + 4)) ? { length: 4 } : { length: 2, feature: 'an incomplete hex escape \\x' };
  }
  if (c === 'b' && inClass) return { length: 2 };
  if (/[A-Za-z]/.test(c)) return { length: 2, feature: letterEscape(c) };
  // Escaped punctuation (\/ \. \- \\ ...) stands for the character itself, in JS and on Espruino.
  if (c.charCodeAt(0) < 128) return { length: 2 };
  return { length: 2, feature: 'the escape \\' + c };
}

/** Names what a `(` at pattern[i] opens. */
function groupKind(pattern: string, i: number): string {
  if (pattern.charAt(i + 1) !== '?') return 'a group (…)';
  const rest = pattern.substring(i + 2, i + 4);
  if (rest.charAt(0) === ':') return 'a non-capturing group (?:…)';
  if (rest.charAt(0) === '=') return 'a lookahead (?=…)';
  if (rest.charAt(0) === '!') return 'a negative lookahead (?!…)';
  if (rest === '<=') return 'a lookbehind (?<=…)';
  if (rest === '<!') return 'a negative lookbehind (?<!…)';
  if (rest.charAt(0) === '<') return 'a named group (?<name>…)';
  return 'a group modifier (?…)';
}

/**
 * Lists the features of a pattern and its flags that Espruino's RegExp does not support, each once,
 * in the order they first occur; empty when the regex is within the subset.
 */
export function unsupportedRegexFeatures(pattern: string, flags: string): string[] {
  const found: string[] = [];
  const add = (f: string) => {
    if (found.indexOf(f) < 0) found.push(f);
  };
  // Whether the previous item is a single character, class or escape that `*`/`+` can repeat.
  let repeatable = false;
  let alternation = false;
  let anchored = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const e = scanEscape(pattern, i, false);
      if (e.feature) add(e.feature);
      i += e.length;
      repeatable = true;
    } else if (c === '[') {
      let j = i + 1;
      if (pattern.charAt(j) === '^') j++;
      while (j < pattern.length && pattern.charAt(j) !== ']') {
        if (pattern.charAt(j) === '\\') {
          const e = scanEscape(pattern, j, true);
          if (e.feature) add(e.feature);
          j += e.length;
        } else {
          j++;
        }
      }
      if (j >= pattern.length) add('an unterminated character class [');
      i = j + 1;
      repeatable = true;
    } else if (c === '*' || c === '+') {
      if (pattern.charAt(i + 1) === '?') {
        add('a lazy quantifier ' + c + '?');
        i += 2;
      } else {
        if (!repeatable) add('a quantifier ' + c + ' that does not follow a single character, class or escape');
        i++;
      }
      repeatable = false;
    } else if (c === '?') {
      add('an optional quantifier ?');
      i++;
      repeatable = false;
    } else if (c === '{' && /^\{[0-9]+(,[0-9]*)?\}/.test(pattern.substring(i))) {
      add('a counted quantifier {…}');
      i = pattern.indexOf('}', i) + 1;
      if (pattern.charAt(i) === '?') i++;
      repeatable = false;
    } else if (c === '(') {
      add(groupKind(pattern, i));
      i += pattern.charAt(i + 1) === '?' ? 2 : 1;
      repeatable = false;
    } else if (c === ')') {
      add('a group (…)');
      i++;
      repeatable = false;
    } else if (c === '|') {
      alternation = true;
      i++;
      repeatable = false;
    } else if (c === '^') {
      if (i !== 0) add('^ other than at the very start');
      anchored = true;
      i++;
      repeatable = false;
    } else if (c === '$') {
      if (i !== pattern.length - 1) add('$ other than at the very end');
      anchored = true;
      i++;
      repeatable = false;
    } else {
      // A literal character, `.`, or a `{`/`}`/`]` that JS (Annex B) and Espruino both take literally.
      i++;
      repeatable = true;
    }
  }
  if (alternation && anchored) add('alternation | together with ^ or $');
  for (let k = 0; k < flags.length; k++) {
    if (FLAGS.indexOf(flags.charAt(k)) < 0) add('the flag ' + flags.charAt(k));
  }
  return found;
}

/** The message for one unsupported feature of /pattern/flags. */
export function regexMessage(pattern: string, flags: string, feature: string): string {
  return 'regex /' + pattern + '/' + flags + ' uses ' + feature + ', which Espruino\'s RegExp does not support';
}
