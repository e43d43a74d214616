/**
 * @module Lint for the whole workspace: type-aware typescript-eslint, no default exports in package
 * sources, and the engine's layer direction (`weir/layers`, DESIGN.md §5). Import cycles are checked
 * by scripts/check-cycles.mjs, which `npm run lint` runs after ESLint.
 */
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import weir from './tools/eslint-plugin-weir/index.mjs';

const JS = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TESTS = ['**/*.test.ts', '**/*.test.mts', '**/*.test.mjs', 'test/**', 'bench/**'];
const TOOLING = ['scripts/**', 'tools/**', '*.config.mjs', '.ci/**'];
const PACKAGE_SOURCES = ['packages/*/src/**'];
const PACKAGE_TESTS = ['packages/*/src/**/*.test.ts', 'packages/*/src/**/*.test.mts', 'packages/*/src/**/*.test.mjs'];

// `no-restricted-syntax` takes one list per file: a later block replaces it rather than adding to it,
// so each block below spells out every selector it wants.
const NO_NODE_ENV = {
  selector: "MemberExpression[property.name='NODE_ENV']",
  message: 'Never branch on NODE_ENV (STYLE.md 7): pass a collaborator instead.',
};
const NAMED_EXPORTS_ONLY = 'Named exports only (STYLE.md 1): export the value under its own name.';
const NO_DEFAULT_EXPORT = [
  { selector: 'ExportDefaultDeclaration', message: NAMED_EXPORTS_ONLY },
  { selector: "ExportNamedDeclaration > ExportSpecifier[exported.name='default']", message: NAMED_EXPORTS_ONLY },
  { selector: "ExportNamedDeclaration > ExportSpecifier[exported.value='default']", message: NAMED_EXPORTS_ONLY },
  { selector: "ExportAllDeclaration[exported.name='default']", message: NAMED_EXPORTS_ONLY },
];

export default defineConfig(
  globalIgnores(
    ['**/node_modules/', '**/dist/', '**/coverage/', '**/.weir/', '**/.tmp/', '**/tmp/', '**/*.tsbuildinfo'],
    'weir/ignores',
  ),

  {
    name: 'weir/base',
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node,
      parserOptions: {
        // One program for the whole workspace, from tsconfig.json. A .ts file outside its `include`
        // fails with "not found by the project service": add it to tsconfig.json so tsc checks it too.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { weir },
    rules: {
      // From strictTypeChecked: the rules that catch bugs rather than enforce taste.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe() return promises the runner already tracks
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false, allowDefaultCaseForExhaustiveSwitch: true },
      ],
      '@typescript-eslint/no-deprecated': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'error',
      '@typescript-eslint/no-unsafe-enum-comparison': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
      // `import type` / `export type` for anything used only as a type (tsconfig has verbatimModuleSyntax)
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // no-unnecessary-condition stays off: it flags the runtime checks on typed arguments that
      // user-facing validation needs (callers may be plain JavaScript).
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': ['error', NO_NODE_ENV],
      // One value import and one `import type` per module (consistent-type-imports writes them apart).
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
    },
  },

  {
    name: 'weir/package-sources',
    files: PACKAGE_SOURCES,
    rules: { 'no-restricted-syntax': ['error', NO_NODE_ENV, ...NO_DEFAULT_EXPORT] },
  },

  {
    name: 'weir/layers',
    files: ['packages/**', 'examples/**'],
    rules: { 'weir/layers': 'error' },
  },

  {
    name: 'weir/tests-and-tooling',
    files: [...TESTS, ...TOOLING, 'examples/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': 'off',
    },
  },

  {
    // Tests beside the engine code may read NODE_ENV, but they export by name like the code they test.
    name: 'weir/package-tests',
    files: PACKAGE_TESTS,
    rules: { 'no-restricted-syntax': ['error', ...NO_DEFAULT_EXPORT] },
  },

  {
    // tsconfig.json has no allowJs, so JavaScript files get the syntactic rules only.
    name: 'weir/javascript',
    files: JS,
    extends: [tseslint.configs.disableTypeChecked],
    rules: {
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-deprecated': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'off',
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/return-await': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
);
