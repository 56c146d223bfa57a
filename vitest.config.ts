import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One temporary root per run: keys (AGENT_AUDIT_KEY_DIR, never the developer's home) and each
    // test file's TMPDIR live under it, and anything a test leaves there fails the run.
    globalSetup: ["test/setup/temp-root.ts"],
    setupFiles: ["test/setup/temp-per-file.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The machine is shared and small: a few workers, no timing assertions in tests.
    pool: "forks",
    maxWorkers: 2,
  },
});
