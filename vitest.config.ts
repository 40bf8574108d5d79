import { defineConfig } from 'vitest/config';

// Two kinds of test, split by file name so each can run alone:
//   *.unit.test.ts  pure code, no services
//   *.int.test.ts   real Postgres / Kafka / MQTT (see testing/services.ts)
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.unit.test.ts'],
          exclude: ['node_modules/**', '.data/**'],
          // Projects with different worker limits must run as separate groups: units first.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', '.data/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Two cores: more workers only make the services contend.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
