/**
 * Temporary directories for tests, removed by the suite whatever the outcome: one made inside a
 * test when that test finishes, one made outside a test (module level, `beforeAll`, a `describe`
 * body) when its test file finishes (`test/setup/temp-per-file.ts` calls `removeFileTempDirs`).
 * Anything else a test leaves in the temp dir fails the file (see that setup file).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/** Every directory made here and not removed yet; the file's end removes what is left. */
const made = new Set<string>();

export function tempDir(prefix = "audit-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  try {
    onTestFinished(() => removeTempDir(dir));
  } catch {
    // Not inside a test: the directory serves several tests and lives until the file ends.
  }
  return dir;
}

export function removeTempDir(dir: string): void {
  // Retries: a child process that was just killed can still be closing files in it.
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  made.delete(dir);
}

export function removeFileTempDirs(): void {
  for (const dir of [...made]) removeTempDir(dir);
}
