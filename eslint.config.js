// A small rule set on purpose: each rule catches a bug class tsc does not (an unawaited promise, a
// dead variable, an `any` that switches the type checker off), not a style preference — layout is
// prettier's job (.prettierrc.json), and the layering is test/architecture.test.ts's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test/_temp/', 'examples/', 'scripts/', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // Type information for no-floating-promises, from the same tsconfig.json as `npm run typecheck`.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A promise nobody awaits loses its rejection (an unhandled rejection kills the action) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // `import type` is erased by esbuild's per-file transpile (isolatedModules): no accidental runtime import.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
);
