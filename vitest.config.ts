import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts', 'functions/**/*.test.ts', 'db/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Handlers log structured JSON; tests keep the output readable (LOG_LEVEL=INFO npm test shows it).
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT' },
  },
});
