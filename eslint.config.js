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
  // The layers, innermost first: each may import the ones before it, never one after it (so no cycle between
  // folders either). core's own rule above also keeps node's I/O modules out. `import()` is not checked by
  // no-restricted-imports; commands are the only layer that loads others lazily, and they sit on top.
  ...((layers) => layers.slice(1).map((layer, index) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: layers.slice(index + 2).map((outer) => `**/${outer}/**`),
          message: `src/${layer} must not depend on an outer layer (${layers.slice(index + 2).join(', ')}): order is ${layers.join(' < ')}` }],
      }],
    },
  })).filter((block) => block.rules['no-restricted-imports'][1].patterns[0].group.length > 0))(
    ['core', 'adapters', 'config', 'render', 'jobs', 'ui', 'wizard', 'commands']),
  {
    // the two files at src/'s top sit under the layers that import them (core imports errors.ts; render and jobs
    // paths.ts): they import no layer, so no cycle between folders runs through them; errors.ts is as pure as core
    files: ['src/paths.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['core', 'adapters', 'config', 'render', 'jobs', 'ui', 'wizard', 'commands'].map((layer) => `**/${layer}/**`),
          message: 'src/paths.ts is below the layers: it imports none' }],
      }],
    },
  },
  {
    files: ['src/errors.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'os', 'node:os', 'process', 'node:process']
          .map((name) => ({ name, message: 'src/errors.ts is imported by src/core, which is pure' })),
        patterns: [{ group: ['core', 'adapters', 'config', 'render', 'jobs', 'ui', 'wizard', 'commands'].map((layer) => `**/${layer}/**`),
          message: 'src/errors.ts is below every layer: it imports none' }],
      }],
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
