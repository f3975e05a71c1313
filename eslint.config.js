import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * Refuses imports of the packages a folder must not depend on, and relative paths into another
 * package's folder (reach it by its package name instead).
 */
function importDirection(files, packages, siblings) {
  const patterns = [];
  if (packages.length) patterns.push({ group: packages, message: 'Imports run protocol <- device, protocol <- verifier <- tools (docs/ARCHITECTURE.md).' });
  patterns.push({ group: siblings.map((p) => '**/' + p + '/src/**'), message: 'Reach another package by its name (@hwtotp/...), not by a path into its folder.' });
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'device/build/**', '.simx-scratch/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JS entry points (the bin, setup scripts) run on Node.
    // (The browser console and Espruino fixtures declare their globals in /* global */ comments.)
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['verifier/src/http/console/**', 'test/sim/fixtures/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // The import direction: protocol <- device, protocol <- verifier <- tools. A package reaches
  // another only through its package name, never by a relative path into its folder.
  ...importDirection('device/src/**/*.ts', ['@hwtotp/verifier', '@hwtotp/tools', '@hwtotp/protocol/host'], ['protocol', 'verifier', 'tools']),
  ...importDirection('verifier/src/**/*.ts', ['@hwtotp/device', '@hwtotp/tools'], ['protocol', 'device', 'tools']),
  ...importDirection('tools/src/**/*.ts', [], ['protocol', 'device', 'verifier']),
  {
    // The pure entry of @hwtotp/protocol is compiled into the firmware: no host library, no Node.
    files: ['protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['@hwtotp/*'], message: 'protocol depends on no other package.' },
        { group: ['../../device/**', '../../verifier/**', '../../tools/**'], message: 'Reach another package by its name.' },
      ] }],
    },
  },
  {
    // The pure entry of @hwtotp/protocol runs on the token: no host library, no Node, nothing from ./host.
    files: ['protocol/src/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['./host/*', './host', '@noble/*', '@scure/*', 'node:*', '@hwtotp/*'], message: 'The pure entry runs on the token: host code goes in protocol/src/host.' },
        { group: ['../../device/**', '../../verifier/**', '../../tools/**'], message: 'Reach another package by its name.' },
      ] }],
    },
  },
  {
    // Code compiled into the firmware: Espruino does not hoist function declarations.
    files: ['protocol/src/**/*.ts', 'device/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'SpreadElement', message: 'Espruino has no spread.' },
        { selector: 'RestElement', message: 'Espruino has no rest/destructuring.' },
        { selector: 'ObjectPattern', message: 'Espruino has no destructuring.' },
        { selector: 'ArrayPattern', message: 'Espruino has no destructuring.' },
        { selector: 'AssignmentPattern', message: 'Espruino has no default parameters.' },
        { selector: 'ChainExpression', message: 'Espruino has no optional chaining.' },
        { selector: "BinaryExpression[operator='**']", message: 'Espruino has no **.' },
        { selector: 'TaggedTemplateExpression', message: 'Espruino has no tagged templates.' },
        { selector: 'FunctionDeclaration[async=true], ArrowFunctionExpression[async=true], FunctionExpression[async=true]', message: 'Espruino has no async/await.' },
        { selector: 'FunctionDeclaration[generator=true], FunctionExpression[generator=true]', message: 'Espruino has no generators.' },
        { selector: 'ClassDeclaration[superClass]', message: 'No class inheritance in firmware code (tsc __extends breaks on Espruino).' },
      ],
    },
  },
);
