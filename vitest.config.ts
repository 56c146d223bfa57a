import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Signing keys created by tests go to a throwaway directory, never the developer's home.
    env: { AGENT_AUDIT_KEY_DIR: join(tmpdir(), `agent-audit-test-keys-${process.pid}`) },
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The machine is shared and small: a few workers, no timing assertions in tests.
    pool: "forks",
    maxWorkers: 2,
  },
});
