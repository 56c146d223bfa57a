import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The machine is shared and small: a few workers, no timing assertions in tests.
    pool: "forks",
    maxWorkers: 2,
  },
});
