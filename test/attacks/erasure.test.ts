// Attacks on erasure, as someone with write access to the trail who read the README would try
// them: through the CLI, on a real trail written by a child process. Each asserts the exact
// finding and a non-zero exit.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";


/** A trail of 12 events of two users, written by a real process; u-1 erased through the CLI. */
async function erasedTrail(): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  const child = runChild({ dir, count: 12, users: ["u-1", "u-2"], then: "shutdown", timeoutMs: 5_000 });
  expect((await child.exit).code).toBe(0);
  expect((await cli(["erase", "--yes", "--dir", dir, "--user", "u-1", "--actor", "dpo", "--reason", "Art. 17"])).code).toBe(0);
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
  return { dir, file };
}

function rewrite(file: string, pick: (e: Record<string, unknown>) => boolean, change: (e: Record<string, unknown>) => void): void {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .map((l) => {
      if (!l.trim()) return l;
      const e = JSON.parse(l) as Record<string, unknown>;
      if (!pick(e)) return l;
      change(e);
      return JSON.stringify(e);
    });
  writeFileSync(file, lines.join("\n"));
}

async function findings(dir: string): Promise<{ code: number; kinds: string[] }> {
  const r = await cli(["verify", "--dir", dir, "--json"]);
  return { code: r.code, kinds: (JSON.parse(r.out) as { problems: Array<{ kind: string }> }).problems.map((p) => p.kind) };
}

describe("erasure is a signed fact, not a marker", () => {
  it("a real erasure verifies", async () => {
    const { dir } = await erasedTrail();
    const r = await cli(["verify", "--dir", dir, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).erasures).toHaveLength(6);
  });

  it("attack 1: forged content behind an erasure marker (data and user_id replaced) is forged_erasure", async () => {
    const { dir, file } = await erasedTrail();
    rewrite(file, (e) => e.seq === 3, (e) => {
      e.user_id = "u-7";
      e.data = { i: 2, approved_refund: 5000 };
    });
    expect(await findings(dir)).toEqual({ code: 1, kinds: ["forged_erasure"] });
  });

  it("attack 2: a fake erasure (content deleted, marker added, no erasure run) is forged_erasure", async () => {
    const { dir, file } = await erasedTrail();
    rewrite(file, (e) => e.seq === 2, (e) => {
      delete e.user_id;
      delete e.salt;
      e.data = {};
      e.erased = { at: new Date().toISOString(), by: "dpo", reason: "Art. 17" };
    });
    expect(await findings(dir)).toEqual({ code: 1, kinds: ["forged_erasure"] });
  });

  it("an erasure record edited to cover one more event no longer verifies: forged_erasure", async () => {
    const { dir, file } = await erasedTrail();
    const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
    const digest = join(dir, ".digests", `${chain}.jsonl`);
    const victim = readFileSync(file, "utf8").split("\n").map((l) => (l ? (JSON.parse(l) as { seq: number; content_hash: string }) : undefined)).find((e) => e?.seq === 2)!;
    const lines = readFileSync(digest, "utf8").split("\n").map((l) => {
      if (!l.includes('"type":"erasure"')) return l;
      const r = JSON.parse(l) as { events: Array<{ seq: number; content_hash: string }> };
      r.events.push({ seq: 2, content_hash: victim.content_hash });
      return JSON.stringify(r);
    });
    writeFileSync(digest, lines.join("\n"));
    rewrite(file, (e) => e.seq === 2, (e) => {
      delete e.user_id;
      delete e.salt;
      e.data = {};
      e.erased = { at: new Date().toISOString(), by: "dpo" };
    });
    expect((await findings(dir)).kinds).toContain("forged_erasure");
  });
});
