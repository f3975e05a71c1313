import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
