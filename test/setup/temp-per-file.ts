/**
 * vitest setupFiles: each test file gets its own TMPDIR under the run's root (`temp-root.ts`), so
 * whatever the file, its workers' code or any process it starts puts in the OS temp dir lands
 * there. When the file ends (after its own afterAll hooks), the `tempDir()`s still open are
 * removed, and anything else left fails the file, named, and is removed.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { afterAll, expect } from "vitest";
import { removeFileTempDirs } from "../temp-dirs.js";
import { TEST_TMP_ENV } from "./temp-root.js";

const root = process.env[TEST_TMP_ENV];
if (!root) throw new Error(`${TEST_TMP_ENV} is not set: run the tests with the vitest.config.ts globalSetup (test/setup/temp-root.ts)`);
const testFile = expect.getState().testPath ?? "unknown";
// Short: Chromium and others put Unix sockets under TMPDIR, whose paths are limited to 108 bytes.
const mine = mkdtempSync(join(root, `${basename(testFile).replace(/\.test\.ts$/, "").slice(0, 16)}-`));
process.env.TMPDIR = mine;

afterAll(() => {
  removeFileTempDirs();
  const left = readdirSync(mine);
  rmSync(mine, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  if (left.length) {
    throw new Error(`${relative(process.cwd(), testFile)} left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temp dir (removed now): ${left.join(", ")}. Use tempDir() from test/helpers.ts, or remove what the test creates in afterEach/afterAll`);
  }
});
