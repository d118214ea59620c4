// ESLint flat config: typescript-eslint's type-aware rules (recommended-type-checked) on the TypeScript of
// tsconfig.json, ESLint's recommended rules everywhere. Formatting is Prettier's (.prettierrc), so
// eslint-config-prettier comes last. docs/lint.md says why each rule below is tuned.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build output, installs, and trees that are test data or Go/Helm templates, not our code.
    ignores: [
      'dist/',
      'node_modules/',
      'test/.out/',
      '.cache/',
      'test/hostile/',
      'test/fixtures/',
      'test/golden/',
      'examples/',
      'helm/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // tsconfig.json's program; the config files at the root are linted in a default program.
        projectService: { allowDefaultProject: ['*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Lines a person can hold (Prettier wraps code at 120; this also holds comments to it). Long strings,
      // template literals and regular expressions stay whole: a message or a pattern split in two is worse.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      // node:test's test/describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      // `_name` marks a binding kept on purpose (an Express error handler's arity, a destructured field dropped).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // A literal `require()` at first use is how the bundle loads heavy modules lazily (cold start); the value it
      // returns is `any`, which the no-unsafe-* rules still check.
      '@typescript-eslint/no-require-imports': 'off',
      // Commands and handlers are `async` so that a synchronous throw becomes a rejection mapped to an exit code
      // or HTTP status in one place; dropping `async` would change that.
      '@typescript-eslint/require-await': 'off',
      // Escaping and rejecting control characters (YAML/printf output, git -z parsing, path guards) is deliberate.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests and benchmarks read parsed JSON/YAML (CLI output, HTTP bodies) as untyped data and assert on it: a
    // wrong shape fails the assertion, so typing each parse would add casts, not safety.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript: no types to check against.
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // The preview page runs in the browser as a classic script.
    files: ['src/server/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  prettier,
);
