import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The workspace's apps (folders under apps/); keep in step when one is added. */
const APPS = ['cli', 'verifier', 'web'];

/** Import specifiers that reach into an app: its package name or a relative path into its folder. */
function appImports(app) {
  return [`@specsteer/${app}`, `@specsteer/${app}/*`, `**/apps/${app}/**`, `**/../${app}/**`];
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'models/**',
      'data/**',
      'tools/train/py/**',
      'tools/train/runs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Imports point one way: apps → packages → (core → protocol). An app never imports another
  // app (the CLI starts the verifier as a process); packages and tools never import apps.
  ...APPS.map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: APPS.filter((other) => other !== app).flatMap(appImports) },
      ],
    },
  })),
  {
    files: ['packages/*/**/*.ts', 'tools/*/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: APPS.flatMap(appImports) }] },
  },
  {
    // core runs in the browser, a worker and Node — no Node or DOM APIs, and no engine package.
    files: ['packages/core/src/**/*.ts', 'packages/protocol/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'path',
            'os',
            'crypto',
            'ws',
            '@specsteer/llama',
            ...APPS.flatMap(appImports),
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', 'window', 'document'],
    },
  },
  {
    // protocol is the bottom layer: it imports no other workspace package.
    files: ['packages/protocol/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'path',
            'os',
            'crypto',
            'ws',
            '@specsteer/*',
            ...APPS.flatMap(appImports),
          ],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
);
