// ESLint for the TypeScript of every part: the recommended rules of ESLint and
// typescript-eslint. Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'native/build/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A name that starts with _ is there for its position (a callback's
      // first argument, a tuple's first element), not to be used.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // A variable that a closure declared before it reads (a signal handler
      // installed first) is assigned later, once: it cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest hands a fixture its dependencies by destructuring its first
      // argument, so a fixture that needs none destructures nothing: `({}, use)`.
      'no-empty-pattern': 'off',
    },
  },
);
