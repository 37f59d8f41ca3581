// typescript-eslint, strict and type-checked, on the server, tests, benchmarks and the web app.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'coverage/', 'test-output/', 'safeground-data/', 'bin/', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers in messages and SQL are the point of most templates here; objects, null and
      // undefined are still refused.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // node:test runs what test() and describe() register; their promises need no await.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] }],
      // `(resolve) => (done = resolve)` and `() => void x()` are plain in callbacks.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidOperator: true }],
      // With noUncheckedIndexedAccess, `rows[0]!` after a query that always returns one row (an
      // aggregate, an INSERT ... RETURNING) and `xs[i]!` inside a bounds-checked loop are the
      // project's idiom; the rule would trade each for an `as` cast or a check that cannot fail.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `const { id: _id, ...rest } = row` is how a property is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Handlers, readers and store methods implement async interfaces; one that needs no await
      // stays async so that what it throws reaches the caller as a rejection, like the others'.
      '@typescript-eslint/require-await': 'off',
      // Rows typed by query<T>(), parsed arguments and state changed in effect clean-ups are
      // narrower in their types than at run time, so the guards this rule calls dead are live.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Cells read from CSV, XLSX, KML and forms are `unknown`; String() of them is the intended
      // coercion (objects among them are refused by the checks that follow).
      '@typescript-eslint/no-base-to-string': 'off',
      // Preact event handlers may be async: each catches its own errors and shows them.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  {
    // Tests read HTTP answers and stored JSON as untyped values and check them with assertions,
    // which fail on a wrong shape; typing every answer would only restate what they assert.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
