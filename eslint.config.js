// Lint, including the layer rules of ARCHITECTURE.md: renderer never imports main/electron/node,
// services never import electron or the Electron-only folders, app/ stays pure.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'worker_threads', 'url', 'util', 'events', 'zlib'];

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'release/**', 'test-results/**', 'resources/**', 'bin/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron', ...nodeBuiltins].map((name) => ({ name, message: 'The renderer speaks only through the contract.' })),
        patterns: [
          { group: ['node:*'], message: 'The renderer has no Node.' },
          { group: ['**/main/**', '**/main', '**/preload/**', '**/preload'], message: 'The renderer never imports main/ or preload/.' },
        ],
      }],
    },
  },
  {
    files: ['main/services/**/*.ts', 'main/core/**/*.ts', 'main/server/**/*.ts', 'main/workers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Services stay plain Node so the web host and CLI reuse them.' }],
        patterns: [
          { group: ['**/ipc/**', '**/windows/**', '**/platform/**'], message: 'Electron-only folders are imported by the Electron entry alone.' },
          { group: ['**/renderer/**'], message: 'main never imports the renderer.' },
        ],
      }],
    },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['electron', 'react', ...nodeBuiltins].map((name) => ({ name, message: 'app/ is pure: zod and itself only.' })),
        patterns: [
          { group: ['node:*'], message: 'app/ has no Node.' },
          { group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'app/ imports only app/.' },
        ],
      }],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/main/**', '**/renderer/**'], message: 'The preload knows the contract only.' }],
      }],
    },
  },
  {
    files: ['tests/**/*.{ts,tsx}', 'scripts/**/*.{js,mjs,ts}', '*.config.{js,ts}'],
    rules: { 'no-restricted-syntax': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
