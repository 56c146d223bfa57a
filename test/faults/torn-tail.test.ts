// Crash or attack, told apart. A writer killed mid-line leaves a torn last line: `verify` calls it
// `torn_tail` (exit 3), the next trail on the directory (or `agent-audit repair`) acknowledges
// exactly those bytes in a signed trail.recovery record, and `verify` passes again. What an
// attacker does to look like a crash is still tampering (exit 1). Real processes, built package.
import { describe, expect, it } from "vitest";
import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "./harness.js";


/** A trail whose writer was killed (-9) after `count` events; returns its dir and segment file. */
async function killedWriter(count: number, extra: Record<string, unknown> = {}): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  const child = runChild({ dir, count, then: "wait", ...extra });
  await child.waitFor((l) => l.step === "waiting");
  child.proc.kill("SIGKILL");
  await child.exit;
  const name = readdirSync(dir).find((n) => n.endsWith(".jsonl"))!;
  return { dir, file: join(dir, name) };
}

/** What a kill in the middle of write(2) leaves: the first bytes of one more event line. */
function tear(file: string): string {
  const last = readFileSync(file, "utf8").trimEnd().split("\n").at(-1)!;
  const torn = last.replace(/"seq":(\d+)/, (_m, n) => `"seq":${Number(n) + 1}`).slice(0, 97);
  appendFileSync(file, torn);
  return torn;
}

describe("a crash-torn last line", () => {
  it("verify warns torn_tail (exit 3); repair acknowledges exactly those bytes; verify passes; repair again finds nothing", async () => {
    const { dir, file } = await killedWriter(30);
    const before = readFileSync(file);
    const torn = tear(file);

    const first = await cli(["verify", "--dir", dir, "--json"]);
    expect(first.code).toBe(3);
    const report = JSON.parse(first.out);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    // The writer was killed before its first checkpoint, too: its events are unsigned, a warning as well.
    expect(report.warnings.find((w: { kind: string }) => w.kind === "torn_tail")).toMatchObject({ offset: before.length, length: torn.length });
    expect(report.warnings.map((w: { kind: string }) => w.kind).sort()).toEqual(["torn_tail", "unsealed"]);
    expect((await cli(["verify", "--dir", dir])).out).toContain("run agent-audit repair");

    const repaired = await cli(["repair", "--dir", dir]);
    expect(repaired.code).toBe(0);
    expect(repaired.out).toContain(`${torn.length} torn bytes at offset ${before.length}`);
    // The evidence stays: the torn bytes are untouched, only ended with a newline.
    expect(readFileSync(file, "utf8")).toBe(`${before.toString("utf8")}${torn}\n`);

    const after = await cli(["verify", "--dir", dir, "--json"]);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.out)).toMatchObject({ ok: true, problems: [], warnings: [], recoveries: [{ offset: before.length, length: torn.length }] });
    expect((await cli(["repair", "--dir", dir])).out).toContain("Nothing to repair");
  });

  it("the next trail that opens the directory acknowledges it with no call at all", async () => {
    const { dir, file } = await killedWriter(12);
    tear(file);
    expect((await cli(["verify", "--dir", dir])).code).toBe(3);
    const next = runChild({ dir, count: 5, then: "shutdown", timeoutMs: 5_000 });
    expect((await next.exit).code).toBe(0);
    const verified = await cli(["verify", "--dir", dir, "--json"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out).recoveries).toHaveLength(1);
  });

  it("several trails opening the directory at once acknowledge the torn line exactly once", async () => {
    for (let round = 0; round < 3; round++) {
      const { dir, file } = await killedWriter(8);
      const torn = tear(file);
      const before = readFileSync(file, "utf8");
      const openers = Array.from({ length: 4 }, () => runChild({ dir, count: 1, then: "shutdown", timeoutMs: 5_000 }));
      for (const o of openers) expect((await o.exit).code).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(`${before}\n`);
      const verified = await cli(["verify", "--dir", dir, "--json"]);
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.out).recoveries).toMatchObject([{ length: torn.length }]);
    }
  }, 60_000);

  it("a live writer's unfinished line is left alone by other trails", async () => {
    const dir = tempDir();
    const live = runChild({ dir, count: 5, then: "wait" });
    await live.waitFor((l) => l.step === "waiting");
    const file = join(dir, readdirSync(dir).find((n) => n.endsWith(".jsonl"))!);
    tear(file); // as if caught mid-write
    const size = statSync(file).size;
    expect((await cli(["verify", "--dir", dir])).code).toBe(3);
    const other = runChild({ dir, count: 3, then: "shutdown", timeoutMs: 5_000 });
    expect((await other.exit).code).toBe(0);
    expect(statSync(file).size).toBe(size); // no newline added, no acknowledgment
    expect((await cli(["verify", "--dir", dir])).code).toBe(3);
    // Once the writer is gone, the next trail acknowledges it.
    live.proc.kill("SIGKILL");
    await live.exit;
    const after = runChild({ dir, count: 1, then: "shutdown", timeoutMs: 5_000 });
    expect((await after.exit).code).toBe(0);
    expect(statSync(file).size).toBe(size + 1);
    const verified = await cli(["verify", "--dir", dir, "--json"]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out).recoveries).toHaveLength(1);
  });
});

describe("an attacker who read the README cannot pass tampering off as a crash", () => {
  it("cutting a signed event short: truncated (exit 1), even after repair", async () => {
    // Shut down cleanly first so a signed checkpoint covers every event.
    const dir2 = tempDir();
    const clean = runChild({ dir: dir2, count: 20, then: "shutdown", timeoutMs: 5_000 });
    expect((await clean.exit).code).toBe(0);
    const seg = join(dir2, readdirSync(dir2).find((n) => n.endsWith(".jsonl"))!);
    truncateSync(seg, statSync(seg).size - 40); // the last event torn "as if by a crash"
    expect((await cli(["verify", "--dir", dir2])).code).toBe(1);
    const repaired = await cli(["repair", "--dir", dir2]);
    expect(repaired.code).toBe(0);
    expect(repaired.out).not.toContain("passes again");
    const after = await cli(["verify", "--dir", dir2, "--json"]);
    expect(after.code).toBe(1);
    const report = JSON.parse(after.out);
    // The cut bytes are acknowledged as torn, but the signed checkpoint still shows an event is gone.
    expect(report.recoveries).toHaveLength(1);
    expect(report.problems.map((p: { kind: string }) => p.kind)).toContain("truncated");
  });

  it("a forged trail.recovery record that no signed checkpoint covers acknowledges nothing", async () => {
    const { dir, file } = await killedWriter(10);
    const torn = tear(file);
    const chain = readdirSync(dir).find((n) => n.endsWith(".jsonl"))!.slice(11, 47);
    // The attacker writes their own chain holding a recovery record (hashes need no secret, a
    // checkpoint signature does).
    const { createHash } = await import("node:crypto");
    const stat = statSync(file);
    const forgedChain = "01900000-0000-7000-8000-0000000000aa";
    const data = { chain_id: chain, file: readdirSync(dir).find((n) => n.endsWith(".jsonl"))!, offset: stat.size - torn.length, length: torn.length, sha256: createHash("sha256").update(torn).digest("hex") };
    const { contentHash, envelopeHash, GENESIS } = await import("../../src/integrity/seal.js");
    const e: Record<string, unknown> = { schema_version: "1", id: "01900000-0000-7000-8000-0000000000ab", ts: "2026-12-02T00:00:00.000Z", seq: 1, level: "warn", type: "custom", name: "trail.recovery", data, chain_id: forgedChain, salt: "0".repeat(32) };
    e.content_hash = contentHash(e.salt as string, e as never);
    e.prev_hash = GENESIS;
    e.hash = envelopeHash(e as never);
    writeFileSync(join(dir, `2026-12-02.${forgedChain}.jsonl`), `${JSON.stringify(e)}\n`, { mode: 0o600 });
    const report = await cli(["verify", "--dir", dir, "--json"]);
    expect(report.code).toBe(3);
    expect(JSON.parse(report.out).recoveries).toEqual([]);
  });

  it("ending a torn line with a newline by hand: corrupt_line (exit 1)", async () => {
    const { dir, file } = await killedWriter(10);
    tear(file);
    appendFileSync(file, "\n");
    const report = await cli(["verify", "--dir", dir, "--json"]);
    expect(report.code).toBe(1);
    expect(JSON.parse(report.out).problems.map((p: { kind: string }) => p.kind)).toEqual(["corrupt_line"]);
  });

  it("editing the torn bytes after they were acknowledged: corrupt_line (exit 1)", async () => {
    const { dir, file } = await killedWriter(10);
    tear(file);
    expect((await cli(["repair", "--dir", dir])).code).toBe(0);
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/tick/g, "tock").slice(0, text.length)); // same length, other bytes
    const report = await cli(["verify", "--dir", dir, "--json"]);
    expect(report.code).toBe(1);
  });

  it("garbage in the middle of a chain is corrupt, not a torn tail", async () => {
    const { dir, file } = await killedWriter(10);
    const lines = readFileSync(file, "utf8").split("\n");
    lines.splice(4, 0, '{"schema_version":"1","id":"0190');
    writeFileSync(file, lines.join("\n"));
    const report = await cli(["verify", "--dir", dir, "--json"]);
    expect(report.code).toBe(1);
    expect(JSON.parse(report.out).problems.map((p: { kind: string }) => p.kind)).toContain("corrupt_line");
  });
});
