// Evidence bundles, attacked: written by `agent-audit prove` from a trail a child process wrote,
// checked by `agent-audit verify-bundle` run as a user runs it, then edited the way someone who
// wants a different story would: one event's content, the same with its hashes recomputed, two
// proofs swapped, the checkpoint and note re-signed with another key, an erasure record dropped.
// Each must fail with its exact finding, naming the event, and a non-zero exit.
import { describe, expect, it } from "vitest";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";
import { signCheckpoint, checkpointNote } from "../../src/integrity/checkpoints.js";
import { contentHash, envelopeHash } from "../../src/integrity/seal.js";
import type { EvidenceBundle } from "../../src/evidence/bundle.js";

const SESSIONS = ["sess-a", "sess-b", "sess-c"];

async function writeTrail(count: number): Promise<{ dir: string; chain: string; pem: string }> {
  const dir = tempDir();
  const child = runChild({ dir, count, then: "shutdown", timeoutMs: 10_000, printIds: false, sessions: SESSIONS, users: ["u1", "u2"], integrity: { checkpointEvery: 7 } });
  const exit = await child.exit;
  expect(exit.code, exit.stderr).toBe(0);
  const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
  // The auditor's copy of the writer's key, handed over out of band.
  const pem = join(tempDir(), "writer.pem");
  cpSync(join(dir, ".digests", "public-key.pem"), pem);
  return { dir, chain, pem };
}

async function bundleOf(dir: string, args: string[]): Promise<{ file: string; bundle: EvidenceBundle; code: number; out: string }> {
  const file = join(tempDir(), "bundle.json");
  const r = await cli(["prove", "--dir", dir, ...args, "--out", file]);
  return { file, bundle: JSON.parse(readFileSync(file, "utf8")) as EvidenceBundle, ...r };
}

async function check(file: string, pem: string, env: Record<string, string> = {}): Promise<{ code: number; failures: Array<{ kind: string; id?: string }>; verified: number; out: string }> {
  const r = await cli(["verify-bundle", file, "--public-key", pem, "--json"], env);
  try {
    const report = JSON.parse(r.out) as { failures: Array<{ kind: string; id?: string }>; verified: number };
    return { code: r.code, failures: report.failures, verified: report.verified, out: r.out };
  } catch {
    return { code: r.code, failures: [], verified: 0, out: r.out };
  }
}

const edit = (file: string, change: (b: EvidenceBundle) => void): string => {
  const b = JSON.parse(readFileSync(file, "utf8")) as EvidenceBundle;
  change(b);
  const out = join(tempDir(), "edited.json");
  writeFileSync(out, JSON.stringify(b));
  return out;
};

describe("evidence bundles", () => {
  it("prove --session writes every event of the session with a proof; verify-bundle accepts it offline", async () => {
    const { dir, chain, pem } = await writeTrail(30);
    // The writer kept its tree beside the checkpoints: 32 bytes per event.
    expect(statSync(join(dir, ".digests", `${chain}.leaves`)).size).toBe(30 * 32);
    const { file, bundle, code } = await bundleOf(dir, ["--session", "sess-a"]);
    expect(code).toBe(0);
    expect(bundle.events.map((e) => e.event.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 1 + 3 * i));
    expect(bundle.events.every((e) => (e.event as { session_id?: string }).session_id === "sess-a")).toBe(true);
    expect(bundle.events[0]!.tlog_proof).toMatch(/^c2sp\.org\/tlog-proof@v1\nindex 0\n/);
    // Moved elsewhere, with the trail gone: the bundle alone is enough.
    const away = join(tempDir(), "handed-over.json");
    cpSync(file, away);
    const ok = await check(away, pem);
    expect(ok).toMatchObject({ code: 0, failures: [], verified: 10 });

    for (const [flag, value, n] of [["--event", bundle.events[3]!.event.id, 1], ["--user", "u2", 15]] as const) {
      const other = await bundleOf(dir, [flag, String(value)]);
      expect(other.code).toBe(0);
      expect(other.bundle.events).toHaveLength(n);
      expect((await check(other.file, pem)).code).toBe(0);
    }
  });

  it("without a trusted key, verify-bundle refuses and names the key the bundle claims (untrusted_key)", async () => {
    const { dir } = await writeTrail(6);
    const { file } = await bundleOf(dir, ["--session", "sess-b"]);
    const r = await cli(["verify-bundle", file], { AGENT_AUDIT_KEY_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/untrusted_key.*signed with key [0-9a-f]{16}.*not trusted/);
  });

  it("one event edited is modified, and only that event fails; with its hashes recomputed it is bad_proof", async () => {
    const { dir, pem } = await writeTrail(21);
    const { file, bundle } = await bundleOf(dir, ["--session", "sess-c"]);
    const target = bundle.events[2]!.event.id;
    const edited = edit(file, (b) => {
      (b.events[2]!.event as unknown as { data: unknown }).data = { i: 999, note: "the agent never called the refund tool" };
    });
    const found = await check(edited, pem);
    expect(found.code).toBe(1);
    expect(found.failures).toEqual([expect.objectContaining({ kind: "modified", id: target })]);
    expect(found.verified).toBe(bundle.events.length - 1);

    // An attacker who read the README recomputes content_hash and hash: the proof no longer leads to the signed root.
    const recomputed = edit(file, (b) => {
      const e = b.events[2]!.event as never as Parameters<typeof envelopeHash>[0];
      (e as { data: unknown }).data = { i: 999 };
      e.content_hash = contentHash(e.salt!, e);
      e.hash = envelopeHash(e);
    });
    const found2 = await check(recomputed, pem);
    expect(found2.code).toBe(1);
    expect(found2.failures).toEqual([expect.objectContaining({ kind: "bad_proof", id: target })]);
  });

  it("two proofs swapped: both events named bad_proof", async () => {
    const { dir, pem } = await writeTrail(15);
    const { file, bundle } = await bundleOf(dir, ["--session", "sess-a"]);
    const swapped = edit(file, (b) => {
      const [x, y] = [b.events[1]!, b.events[3]!];
      [x.proof, y.proof] = [y.proof, x.proof];
      [x.tlog_proof, y.tlog_proof] = [y.tlog_proof, x.tlog_proof];
    });
    const found = await check(swapped, pem);
    expect(found.code).toBe(1);
    expect(found.failures.map((f) => [f.kind, f.id])).toEqual([["bad_proof", bundle.events[1]!.event.id], ["bad_proof", bundle.events[3]!.event.id]]);
    // Only the text proof changed: caught as well.
    const textOnly = edit(file, (b) => {
      b.events[0]!.tlog_proof = b.events[1]!.tlog_proof;
    });
    expect((await check(textOnly, pem)).failures).toEqual([expect.objectContaining({ kind: "bad_proof", id: bundle.events[0]!.event.id })]);
  });

  it("the checkpoint and its note re-signed with another key: untrusted_key, and every event fails", async () => {
    const { dir, chain, pem } = await writeTrail(9);
    const { file, bundle } = await bundleOf(dir, ["--session", "sess-b"]);
    const { privateKey } = generateKeyPairSync("ed25519");
    const resigned = edit(file, (b) => {
      const cp = b.checkpoints[0]!;
      const { sig: _s, key_id: _k, type: _t, ...body } = cp as never as Record<string, unknown>;
      const fresh = signCheckpoint(privateKey, { ...(body as object as Parameters<typeof signCheckpoint>[1]), note: checkpointNote(privateKey, chain, cp.tree_size, cp.root) });
      b.checkpoints[0] = fresh as never;
    });
    const found = await check(resigned, pem);
    expect(found.code).toBe(1);
    expect(found.failures[0]).toMatchObject({ kind: "untrusted_key" });
    expect(found.failures.filter((f) => f.kind === "no_checkpoint").map((f) => f.id)).toEqual(bundle.events.map((e) => e.event.id));
    // And with only the note swapped for one signed by another key (the JSON signature intact): forged_checkpoint.
    const noteOnly = edit(file, (b) => {
      b.checkpoints[0]!.note = checkpointNote(privateKey, chain, b.checkpoints[0]!.tree_size, b.checkpoints[0]!.root);
    });
    expect((await check(noteOnly, pem)).failures[0]).toMatchObject({ kind: "forged_checkpoint" });
  });

  it("an erased user's events are proven as tombstones with their signed erasure record; dropping the record is forged_erasure", async () => {
    const { dir, pem } = await writeTrail(12);
    expect((await cli(["erase", "--yes", "--dir", dir, "--user", "u1", "--actor", "dpo", "--reason", "GDPR art. 17 request"])).code).toBe(0);
    // A tombstone keeps no session or user id (they are personal data): it is found by time.
    const { file, bundle } = await bundleOf(dir, ["--since", "1h"]);
    expect(bundle.events).toHaveLength(12);
    expect(bundle.erasures).toHaveLength(1);
    expect(bundle.events.filter((e) => (e.event as { erased?: unknown }).erased)).not.toHaveLength(0);
    expect((await check(file, pem)).code).toBe(0);
    const dropped = edit(file, (b) => {
      b.erasures = [];
    });
    const found = await check(dropped, pem);
    expect(found.code).toBe(1);
    expect(new Set(found.failures.map((f) => f.kind))).toEqual(new Set(["forged_erasure"]));
  });

  it("events after the newest checkpoint are listed as not proven (exit 3), never passed off as proven", async () => {
    const dir = tempDir();
    // A writer killed before it signed its tail: signed at seq 1 and 7 events later (checkpointEvery 7), the rest not.
    const child = runChild({ dir, count: 10, then: "wait", printIds: false, sessions: ["s"], integrity: { checkpointEvery: 7, checkpointIntervalMs: 600_000 } });
    await child.waitFor((l) => l.step === "waiting");
    child.proc.kill("SIGKILL");
    await child.exit;
    const file = join(tempDir(), "b.json");
    const r = await cli(["prove", "--dir", dir, "--session", "s", "--out", file]);
    expect(r.code).toBe(3);
    const bundle = JSON.parse(readFileSync(file, "utf8")) as EvidenceBundle;
    expect(bundle.events.map((e) => e.event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(bundle.unproven.map((u) => u.seq)).toEqual([9, 10]);
  });
});
