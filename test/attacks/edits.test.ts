// The attacker edits the trail itself: one test per edit, through the CLI, on trails written by a
// child process. Each asserts the exact finding verify names and a non-zero exit.
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey as keyFrom } from "node:crypto";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";
import { checkpointNote, signCheckpoint, type Checkpoint } from "../../src/integrity/checkpoints.js";

async function verify(dir: string, extra: string[] = []): Promise<{ code: number; kinds: string[] }> {
  const r = await cli(["verify", "--dir", dir, "--json", ...extra]);
  const report = JSON.parse(r.out) as { problems: Array<{ kind: string }> };
  return { code: r.code, kinds: [...new Set(report.problems.map((p) => p.kind))] };
}

async function writeTrail(count: number, integrity: Record<string, unknown> = {}): Promise<{ dir: string; chain: string; seg: string; digest: string }> {
  const dir = tempDir();
  const exit = await runChild({ dir, count, then: "shutdown", timeoutMs: 10_000, printIds: false, integrity: { checkpointEvery: 10, ...integrity } }).exit;
  expect(exit.code, exit.stderr).toBe(0);
  const name = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!;
  const chain = name.slice(11, 47);
  return { dir, chain, seg: join(dir, name), digest: join(dir, ".digests", `${chain}.jsonl`) };
}

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
const put = (file: string, ls: string[]) => writeFileSync(file, ls.length ? ls.join("\n") + "\n" : "");

describe("edits to the trail", () => {
  it("an event's content modified is modified", async () => {
    const t = await writeTrail(20);
    put(t.seg, lines(t.seg).map((l, i) => (i === 7 ? l.replace(/"i":7/, '"i":70') : l)));
    expect(await verify(t.dir)).toEqual({ code: 1, kinds: ["modified"] });
  });

  it("an event inserted (a copy of another) is inserted", async () => {
    const t = await writeTrail(20);
    const ls = lines(t.seg);
    put(t.seg, [...ls.slice(0, 12), ls[4]!, ...ls.slice(12)]);
    expect(await verify(t.dir)).toMatchObject({ code: 1, kinds: expect.arrayContaining(["inserted"]) });
  });

  it("an event deleted is deleted", async () => {
    const t = await writeTrail(20);
    put(t.seg, lines(t.seg).filter((_, i) => i !== 5));
    expect(await verify(t.dir)).toMatchObject({ code: 1, kinds: expect.arrayContaining(["deleted"]) });
  });

  it("two events swapped is inserted (reordered)", async () => {
    const t = await writeTrail(20);
    const ls = lines(t.seg);
    [ls[8], ls[9]] = [ls[9]!, ls[8]!];
    put(t.seg, ls);
    expect(await verify(t.dir)).toMatchObject({ code: 1, kinds: expect.arrayContaining(["inserted"]) });
  });

  it("a segment emptied is truncated (its checkpoints outlive it)", async () => {
    const t = await writeTrail(20);
    put(t.seg, []);
    expect(await verify(t.dir)).toMatchObject({ code: 1, kinds: ["truncated"] });
  });

  it("the trail rolled back to an older state (segment and digests replayed from a copy) is truncated against the witness", async () => {
    const witness = tempDir("audit-witness-");
    const t = await writeTrail(30, { witness });
    // The attacker's older copy: the first 21 events and the checkpoints that covered them.
    put(t.seg, lines(t.seg).slice(0, 21));
    put(t.digest, lines(t.digest).filter((l) => (JSON.parse(l) as Checkpoint).seq <= 21));
    expect(await verify(t.dir, ["--witness", witness])).toEqual({ code: 1, kinds: ["truncated"] });
  });

  it("a witness holding a different root for the same size is a fork", async () => {
    const witness = tempDir("audit-witness-");
    const t = await writeTrail(20, { witness });
    const key = keyFrom(readFileSync(join(process.env.AGENT_AUDIT_KEY_DIR!, "signing-key.pem"), "utf8"));
    // The key holder gives the witness another tree head for seq 11, validly signed, same last hash.
    const wfile = join(witness, `${t.chain}.jsonl`);
    put(wfile, lines(wfile).map((l) => {
      const cp = JSON.parse(l) as Checkpoint;
      if (cp.seq !== 11) return l;
      const root = Buffer.alloc(32, 7).toString("base64");
      const { sig: _s, key_id: _k, type: _t, ...body } = cp;
      return JSON.stringify(signCheckpoint(key, { ...body, root, note: checkpointNote(key, t.chain, 11, root) }));
    }));
    expect(await verify(t.dir, ["--witness", witness])).toMatchObject({ code: 1, kinds: expect.arrayContaining(["fork"]) });
  });

  it("a later signed tree that does not extend the earlier one (the key holder re-signed history) is inconsistent", async () => {
    const t = await writeTrail(30);
    const key = keyFrom(readFileSync(join(process.env.AGENT_AUDIT_KEY_DIR!, "signing-key.pem"), "utf8"));
    put(t.digest, lines(t.digest).map((l) => {
      const cp = JSON.parse(l) as Checkpoint;
      if (cp.seq !== 21 || !cp.consistency) return l;
      const { sig: _s, key_id: _k, type: _t, ...body } = cp;
      const proof = [...cp.consistency.proof];
      proof[0] = Buffer.alloc(32, 9).toString("base64");
      return JSON.stringify(signCheckpoint(key, { ...body, consistency: { ...cp.consistency, proof } }));
    }));
    expect(await verify(t.dir)).toEqual({ code: 1, kinds: ["inconsistent"] });
  });

  it("every checkpoint after the first carries a consistency proof from the one before", async () => {
    const t = await writeTrail(35);
    const cps = lines(t.digest).map((l) => JSON.parse(l) as Checkpoint);
    expect(cps.map((c) => c.tree_size)).toEqual([1, 11, 21, 31, 35]);
    expect(cps.map((c) => c.consistency?.from)).toEqual([undefined, 1, 11, 21, 31]);
    expect(await verify(t.dir)).toEqual({ code: 0, kinds: [] });
  });
});
