// A trail written by a child process, witnessed by a real HTTP witness (our tlog-witness server on
// loopback): every checkpoint is cosigned as it is made, the cosignatures land beside the
// checkpoints and in evidence bundles, verify --witness https:// holds the trail to the witness's
// tree head, and a witness that restarted behind (a 409) is caught up with a proof from the tree files.
import { describe, expect, it } from "vitest";
import { createPublicKey } from "node:crypto";
import { loadOrCreateSigningKey } from "../../src/integrity/keys.js";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";
import { startWitness } from "./helpers.js";
import { parseWitnessVerifierKey, verifyCosignature } from "../../src/witness/cosignature.js";
import type { EvidenceBundle } from "../../src/evidence/bundle.js";

// The key the child trails will sign with (the test key store's, created on first use).
const trailKey = () => createPublicKey(loadOrCreateSigningKey({}));
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

async function writeTrail(count: number, witness: string, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const child = runChild({ dir, count, then: "shutdown", timeoutMs: 4_000, printIds: false, sessions: ["s1", "s2"], integrity: { checkpointEvery: 10, witness, ...extra } });
  const exit = await child.exit;
  expect(exit.code, exit.stderr).toBe(0);
  const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
  return { dir, chain, done: child.step("shut-down") as { stats: { witnesses?: Record<string, { witnessed: number; pending: number; rejected: number }> }; errors: string[] } };
}

describe("a trail with an HTTP witness", () => {
  it("has every checkpoint cosigned, keeps the cosignatures, and puts them in evidence bundles", async () => {
    const w = await startWitness({ logKeys: [trailKey()] });
    const { dir, chain, done } = await writeTrail(25, w.url, { witnessKey: w.server.verifierKey });
    expect(done.errors).toEqual([]);
    expect(Object.values(done.stats.witnesses!)[0]).toMatchObject({ pending: 0, rejected: 0 });
    const cosigned = lines(join(dir, ".digests", `${chain}.cosignatures.jsonl`)).map((l) => JSON.parse(l) as { tree_size: number; lines: string[] });
    // Only the newest pending tree head is sent (a witness keeps just the latest): first and last always.
    const sizes = cosigned.map((c) => c.tree_size);
    expect(sizes[0]).toBe(1);
    expect(sizes[sizes.length - 1]).toBe(25);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    expect((await cli(["verify", "--dir", dir, "--witness", w.url])).code).toBe(0);

    const file = join(tempDir(), "b.json");
    expect((await cli(["prove", "--dir", dir, "--session", "s1", "--out", file])).code).toBe(0);
    const bundle = JSON.parse(readFileSync(file, "utf8")) as EvidenceBundle;
    const last = cosigned[cosigned.length - 1]!;
    expect(bundle.cosignatures).toEqual([{ chain_id: chain, tree_size: 25, lines: last.lines }]);
    const key = parseWitnessVerifierKey(w.server.verifierKey);
    expect(verifyCosignature(bundle.checkpoints[0]!.note, last.lines[0]!.trimEnd(), key).ok).toBe(true);
    expect(bundle.events[0]!.tlog_proof).toContain(last.lines[0]);
    const pem = join(tempDir(), "k.pem");
    writeFileSync(pem, trailKey().export({ type: "spki", format: "pem" }) as string);
    expect((await cli(["verify-bundle", file, "--public-key", pem])).code).toBe(0);
    // The auditor also trusts the witness: its cosignature must be there and verify.
    const cosignedOk = await cli(["verify-bundle", file, "--public-key", pem, "--witness-key", w.server.verifierKey]);
    expect(cosignedOk.code).toBe(0);
    expect(cosignedOk.out).toContain(`cosigned by ${w.server.witnessName}`);
    const other = await startWitness({ logKeys: [trailKey()] });
    const missing = await cli(["verify-bundle", file, "--public-key", pem, "--witness-key", other.server.verifierKey, "--json"]);
    expect(missing.code).toBe(1);
    expect((JSON.parse(missing.out) as { failures: Array<{ kind: string }> }).failures.map((f) => f.kind)).toEqual(["uncosigned"]);
  });

  it("catches the tail cut together with its checkpoints (truncated), which no local check can", async () => {
    const w = await startWitness({ logKeys: [trailKey()] });
    const { dir, chain } = await writeTrail(40, w.url);
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
    writeFileSync(seg, lines(seg).slice(0, 25).join("\n") + "\n");
    const digest = join(dir, ".digests", `${chain}.jsonl`);
    writeFileSync(digest, lines(digest).filter((l) => JSON.parse(l).seq <= 21).join("\n") + "\n");
    expect((await cli(["verify", "--dir", dir])).code).not.toBe(1); // at most a warning: a crash could leave this
    const r = await cli(["verify", "--dir", dir, "--witness", w.url, "--json"]);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as { problems: Array<{ kind: string }> }).problems.map((p) => p.kind)).toEqual(["truncated"]);
  });

  it("a witness that lost its state is caught up: 409, then a consistency proof from what it holds", async () => {
    const w = await startWitness({ logKeys: [trailKey()] });
    const { dir, chain } = await writeTrail(12, w.url);
    expect(existsSync(join(dir, ".digests", `${chain}.leaves`))).toBe(true);
    // A second witness holds only size 1 of this chain; a submitter that believes it holds nothing
    // sends the final checkpoint (whose own proof is from size 11): the 409 says 1, and the proof
    // from 1 comes from the chain's tree files.
    const { httpWitness } = await import("../../src/witness/http-witness.js");
    const cps = lines(join(dir, ".digests", `${chain}.jsonl`)).map((l) => JSON.parse(l));
    const w2 = await startWitness({ logKeys: [trailKey()] });
    expect(await httpWitness(w2.url, { trailDir: dir }).submit(cps[0], new AbortController().signal)).toBeUndefined();
    const last = cps[cps.length - 1];
    expect(last.consistency.from).toBe(11);
    expect(await httpWitness(w2.url, { trailDir: dir }).submit(last, new AbortController().signal)).toBeUndefined();
    const cosigned = lines(join(dir, ".digests", `${chain}.cosignatures.jsonl`)).map((l) => JSON.parse(l) as { tree_size: number; witness: string });
    expect(cosigned.filter((c) => c.witness.includes(new URL(w2.url).host)).map((c) => c.tree_size)).toEqual([1, 12]);
  });

  it("down: the trail is unaffected, and the missing cosignatures are reported", async () => {
    const { dir, done } = await writeTrail(15, "http://127.0.0.1:9/", {});
    expect(Object.values(done.stats.witnesses!)[0]!.pending).toBeGreaterThan(0);
    // (The address is redacted in diagnostics, as every IP address is.)
    expect(done.errors.some((e) => /^witness http:\/\/\S+:9: cannot reach the witness/.test(e))).toBe(true);
    expect(done.errors.some((e) => /checkpoint\(s\) were not witnessed before shutdown/.test(e))).toBe(true);
    expect((await cli(["verify", "--dir", dir])).code).toBe(0);
  });
});
