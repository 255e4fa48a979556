import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts", "policies/tests/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          // Some suites render whole stacks under mocks in beforeAll: on two busy cores that passed 10 s.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "engine",
          include: ["tests/engine/**/*.test.ts"],
          environment: "node",
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "images",
          include: ["tests/images/**/*.test.ts"],
          environment: "node",
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 1_800_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
      { test: { name: "cluster", include: ["tests/cluster/*.test.ts"], testTimeout: 600_000 } },
      {
        test: {
          name: "monitoring",
          include: ["tests/monitoring/**/*.test.ts"],
          environment: "node",
          testTimeout: 300_000,
        },
      },
    ],
  },
});
