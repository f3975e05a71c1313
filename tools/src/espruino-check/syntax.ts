/**
 * The syntax half of the check: the code must parse with acorn at ecmaVersion 5, because the firmware
 * is compiled to ES5 and Espruino lacks several later constructs (named in each message below).
 * Acorn stops at the first error, so when it fails the code is parsed again at the latest version and
 * every post-ES5 construct is reported by name.
 */
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import type { Problem } from './types.ts';

type AnyNode = acorn.Node & { [key: string]: any };

/** Names the post-ES5 construct a node is, or returns undefined for ES5 nodes. */
function construct(node: AnyNode, parentType: string | undefined): string | undefined {
  switch (node.type) {
    case 'ObjectPattern':
    case 'ArrayPattern':
      return 'destructuring';
    case 'SpreadElement':
      return 'spread (...)';
    case 'RestElement':
      return parentType === 'ObjectPattern' || parentType === 'ArrayPattern' ? undefined : 'rest parameter (...)';
    case 'AssignmentPattern':
      return 'default parameter';
    case 'ChainExpression':
      return 'optional chaining (?.)';
    case 'TaggedTemplateExpression':
      return 'tagged template';
    case 'TemplateLiteral':
      return parentType === 'TaggedTemplateExpression' ? undefined : 'template literal';
    case 'AwaitExpression':
      return 'async/await';
    case 'YieldExpression':
      return 'generator (yield)';
    case 'ArrowFunctionExpression':
      return node.async ? 'async/await' : 'arrow function';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
      if (node.async) return 'async/await';
      if (node.generator) return 'generator';
      return undefined;
    case 'ClassDeclaration':
    case 'ClassExpression':
      return 'class';
    case 'ForOfStatement':
      return 'for-of';
    case 'VariableDeclaration':
      return node.kind === 'var' ? undefined : node.kind;
    case 'BinaryExpression':
      return node.operator === '**' ? 'exponentiation (**)' : undefined;
    case 'AssignmentExpression':
      if (node.operator === '**=') return 'exponentiation (**=)';
      if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') return 'logical assignment (' + node.operator + ')';
      return undefined;
    case 'LogicalExpression':
      return node.operator === '??' ? 'nullish coalescing (??)' : undefined;
    case 'Property':
      if (node.computed) return 'computed key';
      if (node.shorthand) return 'shorthand property';
      if (node.method) return 'method shorthand';
      return undefined;
    case 'MethodDefinition':
    case 'PropertyDefinition':
      return node.computed ? 'computed key' : undefined;
    case 'ImportDeclaration':
    case 'ImportExpression':
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
      return 'ES module syntax (import/export)';
    case 'MetaProperty':
      return node.meta && node.meta.name === 'new' ? 'new.target' : 'import.meta';
    case 'Literal':
      if (node.bigint !== undefined) return 'BigInt literal';
      if (node.regex && /[uysdv]/.test(node.regex.flags)) return 'regular expression flag /' + node.regex.flags;
      return undefined;
    default:
      return undefined;
  }
}

/** Parses at the latest version and lists the post-ES5 constructs found, in source order. */
function classify(code: string): Problem[] | undefined {
  const sourceType = latestSourceType(code);
  if (!sourceType) return undefined;
  const ast = acorn.parse(code, { ecmaVersion: 'latest', sourceType: sourceType, locations: true, allowHashBang: true });
  const out: Problem[] = [];
  walk.fullAncestor(ast, (node, _state, ancestors) => {
    const parent = ancestors[ancestors.length - 2] as AnyNode | undefined;
    const what = construct(node as AnyNode, parent ? parent.type : undefined);
    if (what && node.loc) {
      out.push({
        rule: 'es5-syntax',
        message: what + ' is not ES5 (acorn cannot parse it at ecmaVersion 5; Espruino firmware is compiled to ES5)',
        line: node.loc.start.line,
        column: node.loc.start.column + 1,
      });
    }
  });
  out.sort((a, b) => a.line - b.line || a.column - b.column);
  return out;
}

/**
 * Returns the ES5 syntax problems of `code`: none when acorn parses it at ecmaVersion 5, else each
 * post-ES5 construct by name, or acorn's own error when none can be named.
 */
export function checkSyntax(code: string): Problem[] {
  try {
    acorn.parse(code, { ecmaVersion: 5, sourceType: 'script', locations: true });
    return [];
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const named = classify(code);
    if (named && named.length > 0) return named;
    return [{
      rule: 'es5-syntax',
      message: 'acorn cannot parse this at ecmaVersion 5: ' + err.message,
      line: err.loc ? err.loc.line : 1,
      column: err.loc ? err.loc.column + 1 : 1,
    }];
  }
}

/**
 * How the code parses at the latest ECMAScript version: as a script, else as a module (a bundle
 * that still has import/export), else not at all, in which case only the syntax problem is reported.
 */
export function latestSourceType(code: string): 'script' | 'module' | undefined {
  const types: ('script' | 'module')[] = ['script', 'module'];
  for (let i = 0; i < types.length; i++) {
    try {
      acorn.parse(code, { ecmaVersion: 'latest', sourceType: types[i], allowHashBang: true });
      return types[i];
    } catch {
      // try the next source type
    }
  }
  return undefined;
}
