import { defineConfig } from 'vitest/config';

// One test command for the whole workspace: every package's *.test.ts runs here.
export default defineConfig({
  test: {
    include: [
      '{apps,packages,tools}/*/src/**/*.test.ts',
      '{apps,packages,tools}/*/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
