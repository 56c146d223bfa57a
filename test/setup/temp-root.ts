/**
 * vitest globalSetup: one temporary root per run, so no test can leave anything in the OS temp
 * dir unnoticed. Workers and every process they start inherit its paths:
 * - `AGENT_AUDIT_KEY_DIR` = `<root>/keys`: signing keys tests create, never the developer's home;
 * - `AGENT_AUDIT_TEST_TMP` = `<root>/files`: each test file gets its own TMPDIR below it
 *   (`temp-per-file.ts`), which must be empty when the file ends.
 * Teardown removes the root and fails the run (exit status 1) if anything was left under `files`,
 * by a test file that crashed before its own check or by a process that outlived its file. vitest
 * only logs an error thrown here ("error during close") and still exits 0, hence `exitCode`.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const TEST_TMP_ENV = "AGENT_AUDIT_TEST_TMP";

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "aat-run-"));
  const files = join(root, "files");
  mkdirSync(files);
  mkdirSync(join(root, "keys"), { mode: 0o700 });
  process.env.AGENT_AUDIT_KEY_DIR = join(root, "keys");
  process.env[TEST_TMP_ENV] = files;
  // tsx, which some tests start children with, keeps a compile cache in $TMPDIR/tsx-<uid> for good.
  process.env.TSX_DISABLE_CACHE = "1";
  return () => {
    const left = leftovers(files);
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (left.length === 0) return;
    process.exitCode = 1;
    throw new Error(`the tests left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temp dir after their files ended (removed now). The first part of each path names the test file; often a trail that was never shut down, whose exit flush recreated its removed directory:\n  ${left.join("\n  ")}`);
  };
}

/** What is left under `files`: the entries inside each test file's directory (named after its file). */
function leftovers(files: string): string[] {
  const out: string[] = [];
  for (const perFile of readdirSync(files)) {
    let inside: string[];
    try {
      inside = readdirSync(join(files, perFile));
    } catch {
      out.push(perFile); // not a directory: written straight into the root by some process
      continue;
    }
    // An empty one belongs to a file that crashed before its own check: that failure is reported.
    out.push(...inside.map((e) => `${perFile}/${e}`));
  }
  return out;
}
