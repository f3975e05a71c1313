/**
 * The Espruino check (docs/ARCHITECTURE.md "Builds"): static proof that a piece of JavaScript can run
 * on Espruino's interpreter. Applied to every firmware bundle by the build, and to protocol/src
 * compiled to ES5 by the tests. It fails on:
 * - code acorn cannot parse at ecmaVersion 5 (each post-ES5 construct is named);
 * - globals and members Espruino lacks (Map, Set, Symbol, Math.imul, Array.from, ...) and transpiler
 *   patterns it mishandles (__extends, Object.defineProperty(F, "prototype"), ...);
 * - free names that are not Espruino globals;
 * - regexes outside the subset Espruino's RegExp implements (regexp.ts), and RegExp(...) calls whose
 *   pattern is not a string literal;
 * - names used before their declaration (Espruino does not hoist function declarations).
 */
import { checkScope } from './scope.ts';
import { checkSyntax, latestSourceType } from './syntax.ts';
import type { CheckOptions, CheckResult, Problem } from './types.ts';

export type { CheckOptions, CheckResult, Problem } from './types.ts';
export { FORBIDDEN_GLOBALS, FORBIDDEN_MEMBERS, TRANSPILER_HELPERS, isEspruinoGlobal } from './globals.ts';

/**
 * Checks code for Espruino. `options.allowGlobals` adds free names to accept (for CommonJS output:
 * require, exports, module). Problems come sorted by position.
 */
export function checkEspruino(code: string, options?: CheckOptions): CheckResult {
  const allow = options && options.allowGlobals ? options.allowGlobals : [];
  const problems: Problem[] = checkSyntax(code);
  const sourceType = latestSourceType(code);
  if (sourceType) problems.push(...checkScope(code, sourceType, allow));
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: problems.length === 0, problems: problems };
}

/** One line per problem, `file:line:column rule: message`, as the CLI and build print them. */
export function formatProblems(filename: string, problems: Problem[]): string[] {
  return problems.map((p) => filename + ':' + p.line + ':' + p.column + ' ' + p.rule + ': ' + p.message);
}
