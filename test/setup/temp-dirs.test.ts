// The suite's temp-dir guard, tried on fixture files in a nested vitest (test/fixtures/temp-leaks/):
// a clean file passes, a file that forgets a directory fails by name, a failing test's tempDir()
// is still removed, and what escapes every file's check fails the run at teardown. Each nested run
// makes its root in this file's own TMPDIR, so this file's check also sees if a run left it.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixtures = fileURLToPath(new URL("../fixtures/temp-leaks/", import.meta.url));
const vitestBin = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");

function nestedVitest(...files: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestBin, "run", "--config", join(fixtures, "vitest.config.ts"), ...files],
      { cwd: fixtures, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        // eslint-disable-next-line no-control-regex
        const out = `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out });
      },
    );
  });
}

/** The nested run removed its root (and with it its key store), whatever it found. */
const expectNoRunRootLeft = () => expect(readdirSync(tmpdir()).filter((e) => e.startsWith("aat-run-"))).toEqual([]);

describe("the temp-dir guard", { timeout: 180_000 }, () => {
  it("passes a file whose directories all come from tempDir(), made anywhere, and removes the key store with the run", async () => {
    const r = await nestedVitest("clean.leak.ts");
    expect(r.out).toContain("3 passed");
    expect(r.code, r.out).toBe(0);
    expectNoRunRootLeft();
  });

  it("fails a file that forgets a directory, naming the file and the directory; a failing test's tempDir() is still removed", async () => {
    const r = await nestedVitest("leaks.leak.ts", "fails.leak.ts");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/leaks\.leak\.ts left 1 entry in the temp dir \(removed now\): forgotten-\w{6}\./);
    expect(r.out).toContain("this test fails on purpose");
    expect(r.out).not.toMatch(/fails\.leak\.ts left/);
    expect(r.out).not.toMatch(/failing-\w{6}/);
    expectNoRunRootLeft();
  });

  it("fails the run (exit status 1) at teardown for what a process leaves after its file was checked", async () => {
    const r = await nestedVitest("stray.leak.ts");
    expect(r.out).toContain("1 passed");
    expect(r.out).toMatch(/the tests left 1 entry in the temp dir after their files ended[^\n]*\n\s+outlived-file\/late-dir/);
    expect(r.code).toBe(1);
    expectNoRunRootLeft();
  });
});
