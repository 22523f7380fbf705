// ESLint: typescript-eslint's type-checked rules for TypeScript and Svelte, the project's layering
// rule, and nothing stylistic (Prettier formats; `npm run lint` runs both).
import js from '@eslint/js';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import { layeringConfig } from './scripts/eslint-layers.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.cache/', 'test-artifacts/', 'docs/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  // Turns off eslint-plugin-svelte's formatting rules, as eslint-config-prettier does for the rest.
  ...svelte.configs['flat/prettier'],
  {
    languageOptions: {
      parserOptions: {
        // The web project first: the node project also reaches renderer files (through tests), typed without the DOM.
        project: ['./tsconfig.web.json', './tsconfig.node.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // Arrays in messages print as "1,2,3" on purpose (shapes, label lists).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowArray: true }],
      // Functions stay async to implement a Promise-returning interface (test doubles, handlers).
      '@typescript-eslint/require-await': 'off',
      // It flags every function-local scratch Map/Set; reactive state here is $state, replaced whole.
      'svelte/prefer-svelte-reactivity': 'off',
      // Unused parameters named with a leading underscore are deliberate (callbacks with a fixed shape).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  ...layeringConfig,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser },
    },
  },
  {
    // TypeScript's program does not see a .svelte component's props, so callbacks passed in markup
    // get `any` parameters; svelte-check (npm run typecheck) types those for real.
    files: ['**/*.svelte'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // tfjs ops are generic over the tensor they return, and `tf.mul(a, b) as tf.Tensor1D` is how
    // this code names the rank; this rule would have each written as a type argument instead.
    files: ['src/main/engine/**', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-unnecessary-type-assertion': 'off' },
  },
  {
    // Tests read JSON output (CLI, HTTP, files) as `any` and assert on its shape: a wrong shape
    // fails the assertion, which is the check these rules would otherwise ask for.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['src/main/**', 'src/preload/**', 'test/**', 'bench/**', 'scripts/**', '*.js', '*.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    // Plain JavaScript (config and scripts) is outside the TypeScript projects.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'electron.vite.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { parserOptions: { project: null } },
  },
);
