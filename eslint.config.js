// Type-checked linting. The architectural rule that matters most: src/core is pure — it works on bytes and
// plain objects, so it must not reach the file system, child processes, the network or the adapters.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'templates/**', 'fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process',
          'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'os', 'node:os', 'process', 'node:process']
          .map((name) => ({ name, message: 'src/core is pure: pass data in, do I/O in src/adapters' })),
        patterns: [{ group: ['**/adapters/**', '**/commands/**', '**/render/**', '**/ui/**', '**/wizard/**', '**/jobs/**'],
          message: 'src/core must not depend on outer layers' }],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core is pure: no process access' }],
    },
  },
  {
    // node:test's test() returns a promise the runner awaits itself
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
