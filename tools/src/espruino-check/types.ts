/** Shapes shared by the Espruino check's parts. */

/** One reason a piece of code would fail on Espruino. Lines and columns are 1-based. */
export interface Problem {
  /** A stable rule id: es5-syntax, forbidden-global, forbidden-member, transpiler-helper, undeclared-global, use-before-define, espruino-regexp. */
  rule: string;
  /** What is wrong, naming the construct, global or member. */
  message: string;
  line: number;
  column: number;
}

/** The outcome of a check: ok when there are no problems. */
export interface CheckResult {
  ok: boolean;
  problems: Problem[];
}

/** Options of checkEspruino. */
export interface CheckOptions {
  /** The file the code came from, for the caller's messages (see formatProblems); not used by the rules. */
  filename?: string;
  /** Extra free names to accept, e.g. require, exports and module for CommonJS output. */
  allowGlobals?: string[];
}
