/**
 * The scope half of the check, on ESLint's scope analysis (eslint-scope through the Linter class):
 * - free names must be Espruino globals (or explicitly allowed), so an undefined helper or a Node
 *   global like `process` or `Buffer` is caught before it reaches a board (only Espruino's own
 *   `process.memory()` passes: globals.ts ESPRUINO_MEMBERS_ONLY);
 * - the globals, static members and transpiler patterns Espruino lacks or mishandles are reported by name;
 * - every regex literal and RegExp(...) call stays within the subset Espruino's RegExp implements (regexp.ts);
 * - no name is used before its declaration (`no-use-before-define`), because Espruino does not hoist
 *   function declarations: calling one above the line that declares it fails on the board.
 */
import { Linter } from 'eslint';
import type { Rule, Scope } from 'eslint';
import { ESPRUINO_MEMBERS_ONLY, FORBIDDEN_GLOBALS, FORBIDDEN_MEMBERS, TRANSPILER_HELPERS, isEspruinoGlobal } from './globals.ts';
import { regexMessage, unsupportedRegexFeatures } from './regexp.ts';
import type { Problem } from './types.ts';

type AnyNode = { type: string; [key: string]: any };

/** "Math.imul" for `Math.imul`, `Math["imul"]`; undefined for anything not a static chain. */
function memberPath(node: AnyNode): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if (node.type !== 'MemberExpression') return undefined;
  const obj = memberPath(node.object);
  const prop = propertyName(node);
  return obj !== undefined && prop !== undefined ? obj + '.' + prop : undefined;
}

/** The property name of a member expression when it is static. */
function propertyName(node: AnyNode): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.computed && node.property.type === 'Literal' && typeof node.property.value === 'string') return node.property.value;
  return undefined;
}

/** The value of a string literal (or a template literal without substitutions), else undefined. */
function stringLiteral(node: AnyNode | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0].value.cooked;
  return undefined;
}

/** The innermost identifier of a member chain (`Math` in `Math.imul`). */
function rootIdentifier(node: AnyNode): AnyNode | undefined {
  while (node.type === 'MemberExpression') node = node.object;
  return node.type === 'Identifier' ? node : undefined;
}

/** The variable a name resolves to from a scope, if the program declares it. */
function declared(scope: Scope.Scope | null, name: string): Scope.Variable | undefined {
  for (let s = scope; s; s = s.upper) {
    const v = s.set.get(name);
    if (v && v.defs.length > 0) return v;
  }
  return undefined;
}

/** Whether an expression is a function, directly or through a name bound to one. */
function isFunction(node: AnyNode, scope: Scope.Scope): boolean {
  if (node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression' || node.type === 'ClassExpression') return true;
  if (node.type !== 'Identifier') return false;
  const v = declared(scope, node.name);
  if (!v) return false;
  return v.defs.some((d) => d.type === 'FunctionName' || d.type === 'ClassName' ||
    (d.type === 'Variable' && !!d.node.init && isFunction(d.node.init as AnyNode, scope)));
}

const MESSAGES = {
  'forbidden-global': '{{msg}}',
  'forbidden-member': '{{msg}}',
  'transpiler-helper': '{{msg}}',
  'undeclared-global': '{{msg}}',
  'espruino-regexp': '{{msg}}',
};

/** The custom ESLint rule; `allow` holds the caller's extra globals. */
function espruinoRule(allow: string[]): Rule.RuleModule {
  return {
    meta: { type: 'problem', schema: false, messages: MESSAGES },
    create(context) {
      const source = context.sourceCode;
      const report = (node: AnyNode, messageId: keyof typeof MESSAGES, msg: string) =>
        context.report({ node: node as any, messageId: messageId, data: { msg: msg } });
      const isGlobalRef = (id: AnyNode) => !declared(source.getScope(id as any), id.name);
      const checkRegex = (node: AnyNode, pattern: string, flags: string) => {
        for (const f of unsupportedRegexFeatures(pattern, flags)) report(node, 'espruino-regexp', regexMessage(pattern, flags, f));
      };
      /** `new RegExp(p, f)` and `RegExp(p, f)` on the global RegExp: a string-literal p and f are checked, anything else reported. */
      const checkRegExpCall = (node: AnyNode) => {
        const callee = node.callee as AnyNode;
        if (callee.type !== 'Identifier' || callee.name !== 'RegExp' || !isGlobalRef(callee)) return;
        const call = (node.type === 'NewExpression' ? 'new ' : '') + 'RegExp(...)';
        const args = node.arguments as AnyNode[];
        const pattern = stringLiteral(args[0]);
        const flags = args.length < 2 ? '' : stringLiteral(args[1]);
        if (pattern === undefined) {
          report(node, 'espruino-regexp', call + ' with a pattern that is not a string literal cannot be verified against Espruino\'s RegExp subset; use a regex literal');
        } else if (flags === undefined) {
          report(node, 'espruino-regexp', call + ' with flags that are not a string literal cannot be verified against Espruino\'s RegExp subset; use a regex literal');
        } else {
          checkRegex(node, pattern, flags);
        }
      };

      return {
        Literal(n) {
          const node = n as AnyNode;
          if (node.regex) checkRegex(node, node.regex.pattern, node.regex.flags);
        },
        NewExpression(n) {
          checkRegExpCall(n as AnyNode);
        },
        MemberExpression(n) {
          const node = n as AnyNode;
          const root = rootIdentifier(node);
          const path = memberPath(node);
          if (path && root && isGlobalRef(root)) {
            if (FORBIDDEN_MEMBERS[path]) report(node, 'forbidden-member', path + ': ' + FORBIDDEN_MEMBERS[path]);
            if (path === 'Array.prototype.slice.call' || path === 'Array.prototype.slice.apply') {
              report(node, 'forbidden-member', path + ' fails on Espruino; use [].slice.call');
            }
          }
          if (propertyName(node) === 'finally') {
            report(node, 'forbidden-member', 'Promise.prototype.finally (.finally): Espruino promises have no finally; use then(f, f)');
          }
        },
        CallExpression(n) {
          const node = n as AnyNode;
          checkRegExpCall(node);
          const callee = memberPath(node.callee);
          const root = rootIdentifier(node.callee);
          if (!callee || !root || !isGlobalRef(root)) return;
          const args = node.arguments as AnyNode[];
          if (callee === 'Object.defineProperty' && args[1] && args[1].type === 'Literal' && args[1].value === 'prototype') {
            report(node, 'forbidden-member', 'Object.defineProperty(F, "prototype", ...) empties the prototype on Espruino (Babel class helper pattern)');
          }
          if (callee === 'Object.assign' && args[0] && isFunction(args[0], source.getScope(node as any))) {
            report(node, 'forbidden-member', 'Object.assign with a function as its target throws on Espruino');
          }
        },
        'Program:exit'(program) {
          const scopes = source.scopeManager.scopes;
          for (const scope of scopes) {
            for (const v of scope.variables) {
              if (v.defs.length > 0 && TRANSPILER_HELPERS.indexOf(v.name) >= 0) {
                report(v.defs[0]!.name as AnyNode, 'transpiler-helper',
                  v.name + ' is a transpiler helper; Espruino code must be compiled without helpers (noEmitHelpers, no class inheritance)');
              }
            }
          }
          const global = source.getScope(program);
          const free: Scope.Reference[] = global.through.slice();
          // ESLint resolves its configured globals into variables without definitions; those are free too.
          for (const v of global.variables) if (v.defs.length === 0) free.push(...v.references);
          for (const ref of free) {
            const id = ref.identifier as AnyNode;
            const name = id.name as string;
            if (allow.indexOf(name) >= 0) continue;
            const parent = id.parent as AnyNode | undefined;
            const members = Object.prototype.hasOwnProperty.call(ESPRUINO_MEMBERS_ONLY, name) ? ESPRUINO_MEMBERS_ONLY[name] as string[] : [];
            if (parent && parent.type === 'MemberExpression' && parent.object === id && !parent.computed && members.indexOf(parent.property.name) >= 0) continue;
            if (Object.prototype.hasOwnProperty.call(FORBIDDEN_GLOBALS, name)) {
              report(id, 'forbidden-global', name + ': ' + FORBIDDEN_GLOBALS[name]);
            } else if (TRANSPILER_HELPERS.indexOf(name) >= 0) {
              report(id, 'transpiler-helper', name + ' is a transpiler helper that is used but not defined (or defined too late) on Espruino');
            } else if (!isEspruinoGlobal(name)) {
              report(id, 'undeclared-global', name + ' is not declared and is not an Espruino global');
            }
          }
        },
      };
    },
  };
}

/** Runs the scope rules over code that parses at the latest ECMAScript version. */
export function checkScope(code: string, sourceType: 'script' | 'module', allow: string[]): Problem[] {
  const linter = new Linter();
  const messages = linter.verify(code, [{
    files: ['**/*.js'],
    plugins: { espruino: { rules: { api: espruinoRule(allow) } } },
    languageOptions: { ecmaVersion: 'latest', sourceType: sourceType, globals: {} },
    // A bundle must not be able to switch the check off with /* eslint-disable */ comments.
    linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' },
    rules: {
      'espruino/api': 'error',
      'no-use-before-define': ['error', { functions: true, classes: true, variables: true }],
    },
  }], { filename: 'espruino-check.js' });
  // Drop ESLint's notes that inline comments are ignored: they are not Espruino problems.
  return messages.filter((m) => m.ruleId || m.fatal).map((m) => {
    let rule = m.messageId && m.ruleId === 'espruino/api' ? m.messageId : 'eslint';
    let message = m.message;
    if (m.ruleId === 'no-use-before-define') {
      rule = 'use-before-define';
      message = m.message + ' Espruino does not hoist declarations, so this fails on the board.';
    } else if (m.fatal) rule = 'parse';
    return { rule: rule, message: message, line: m.line || 1, column: m.column || 1 };
  });
}
