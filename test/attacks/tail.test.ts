// Attacks on a chain's unsigned tail and on the records that make things legitimate: forged events
// appended after the last checkpoint must stay a finding even after the app restarts; a record of
// another chain planted in a digest file covers nothing; a tombstone's who/when/why come from its
// signed record. And an honest writer killed with its own cadence is a warning, not tampering.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { randomBytes } from "node:crypto";
import { contentHash, envelopeHash } from "../../src/integrity/seal.js";
import { tempDir } from "../helpers.js";
import { runChild } from "../faults/harness.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const exec = promisify(execFile);

async function verify(dir: string, extra: string[] = []): Promise<{ code: number; kinds: string[]; warnings: string[]; report: Record<string, unknown> }> {
  let out: string;
  let code = 0;
  try {
    out = (await exec(process.execPath, [CLI, "verify", "--dir", dir, "--json", ...extra])).stdout;
  } catch (err) {
    const e = err as { code: number; stdout: string };
    code = e.code;
    out = e.stdout;
  }
  const report = JSON.parse(out) as { problems: Array<{ kind: string }>; warnings: Array<{ kind: string }> };
  return { code, kinds: [...new Set(report.problems.map((p) => p.kind))], warnings: report.warnings.map((w) => w.kind), report };
}

async function writeTrail(dir: string, count: number, extra: Record<string, unknown> = {}) {
  const child = runChild({ dir, count, then: "shutdown", timeoutMs: 10_000, printIds: false, ...extra });
  const exit = await child.exit;
  expect(exit.code, exit.stderr).toBe(0);
}

const segmentOf = (dir: string, chain?: string) => join(dir, readdirSync(dir).filter((f) => f.endsWith(".jsonl") && (!chain || f.includes(chain))).sort()[0]!);
const lastLine = (file: string) => JSON.parse(readFileSync(file, "utf8").trimEnd().split("\n").at(-1)!) as Record<string, unknown>;

/** Events an attacker appends, hashed and linked as the writer would have (no secret needed). */
function forge(after: Record<string, unknown>, n: number): string {
  let prev = after;
  let out = "";
  for (let i = 0; i < n; i++) {
    const e: Record<string, unknown> = { schema_version: "1", id: `01900000-0000-7000-8000-${String(i).padStart(12, "0")}`, ts: prev.ts, seq: (prev.seq as number) + 1, level: "info", type: "custom", user_id: "mallory", data: { approved_wire_transfer: 1_000_000 }, chain_id: prev.chain_id, salt: randomBytes(16).toString("hex") };
    e.content_hash = contentHash(e.salt as string, e as never);
    e.prev_hash = prev.hash;
    e.hash = envelopeHash(e as never);
    out += JSON.stringify(e) + "\n";
    prev = e;
  }
  return out;
}

describe("forged events at the tail", () => {
  it("appended after the last checkpoint: a finding before the app restarts, and still one after", async () => {
    const dir = tempDir();
    await writeTrail(dir, 20);
    const seg = segmentOf(dir);
    appendFileSync(seg, forge(lastLine(seg), 1_500));
    const before = await verify(dir);
    expect(before).toMatchObject({ code: 1, kinds: ["unsealed"] });
    await writeTrail(dir, 3); // an ordinary restart on the directory
    const after = await verify(dir);
    expect(after.code).toBe(1);
    expect(after.kinds).toContain("unsealed");
  });

  it("a few forged events after a clean shutdown's final checkpoint are tampering, and a restart does not sign them", async () => {
    const dir = tempDir();
    await writeTrail(dir, 20);
    const seg = segmentOf(dir);
    appendFileSync(seg, forge(lastLine(seg), 5));
    expect(await verify(dir)).toMatchObject({ code: 1, kinds: ["unsealed"] });
    await writeTrail(dir, 3);
    expect(await verify(dir)).toMatchObject({ code: 1, kinds: ["unsealed"] });
  });

  it("a whole forged chain with no checkpoint is never signed by a restart", async () => {
    const dir = tempDir();
    await writeTrail(dir, 5);
    const seg = segmentOf(dir);
    const first = JSON.parse(readFileSync(seg, "utf8").split("\n")[0]!) as Record<string, unknown>;
    const fakeChain = "01900000-0000-7000-8000-0000000fa4e0";
    const genesis = { ...first, seq: 0, hash: "0".repeat(64), chain_id: fakeChain };
    writeFileSync(join(dir, `2026-11-01.${fakeChain}.jsonl`), forge(genesis, 3_000), { mode: 0o600 });
    await writeTrail(dir, 3);
    const after = await verify(dir);
    expect(after.code).toBe(1);
    expect(after.kinds).toContain("unsealed");
  });
});

describe("records planted where they do not belong", () => {
  it("a genuine purge record of chain A planted as chain B's digest file does not hide B's deletion from the witness", async () => {
    const witness = tempDir("audit-witness-");
    const dir = tempDir();
    await writeTrail(dir, 10, { integrity: { witness } });
    const chainA = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
    // Stand-in for a real purge record of A: A's own genuine checkpoint line, re-pointed at B's file.
    await writeTrail(dir, 10, { integrity: { witness } });
    const chainB = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).map((f) => f.slice(11, 47)).find((c) => c !== chainA)!;
    for (const f of readdirSync(dir).filter((f) => f.includes(chainB))) rmSync(join(dir, f));
    cpSync(join(dir, ".digests", `${chainA}.jsonl`), join(dir, ".digests", `${chainB}.jsonl`));
    const found = await verify(dir, ["--witness", witness]);
    expect(found.code).toBe(1);
    expect(found.kinds).toContain("forged_checkpoint");
  });
});

describe("a tombstone's who, when and why", () => {
  it("come from the signed record: an edited marker, or content hidden in data, is forged_erasure", async () => {
    const dir = tempDir();
    await writeTrail(dir, 6, { users: ["u-1", "u-2"] });
    await exec(process.execPath, [CLI, "erase", "--yes", "--dir", dir, "--user", "u-1", "--actor", "dpo", "--reason", "Art. 17"]);
    expect((await verify(dir)).code).toBe(0);
    const seg = segmentOf(dir);
    const pristine = readFileSync(seg, "utf8");
    const edit = (change: (e: Record<string, unknown>) => void) =>
      writeFileSync(
        seg,
        pristine
          .split("\n")
          .map((l) => {
            if (!l.trim()) return l;
            const e = JSON.parse(l) as Record<string, unknown>;
            if (!e.erased || e.seq !== 1) return l;
            change(e);
            return JSON.stringify(e);
          })
          .join("\n"),
      );
    edit((e) => (e.erased = { at: "2019-01-01T00:00:00.000Z", by: "ceo@corp", reason: "user_id=alice" }));
    expect(await verify(dir)).toMatchObject({ code: 1, kinds: ["forged_erasure"] });
    edit((e) => (e.data = 0));
    expect(await verify(dir)).toMatchObject({ code: 1, kinds: ["forged_erasure"] });
    writeFileSync(seg, pristine);
    const ok = await verify(dir);
    expect((ok.report.erasures as Array<{ by: string; reason: string }>)[0]).toMatchObject({ by: "dpo", reason: "Art. 17" });
  });
});

describe("an honest writer with its own cadence", () => {
  it("checkpointEvery: 2000, killed after 1,500 events: a warning (exit 3), sealed by the next trail (exit 0)", async () => {
    const dir = tempDir();
    const child = runChild({ dir, count: 1_500, then: "wait", printIds: false, integrity: { checkpointEvery: 2_000 } });
    await child.waitFor((l) => l.step === "waiting");
    child.proc.kill("SIGKILL");
    await child.exit;
    const killed = await verify(dir);
    expect(killed.code).toBe(3);
    expect(killed.warnings).toEqual(["unsealed"]);
    await writeTrail(dir, 1, { integrity: { checkpointEvery: 2_000 } });
    expect((await verify(dir)).code).toBe(0);
  });
});
