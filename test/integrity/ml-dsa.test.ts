// ML-DSA-44 checkpoint signatures (c2sp.org/tlog-cosignature type 0x06): the signed message byte
// for byte as the spec lays it out, the key id, and a trail that signs with both keys, checked by
// the built CLI with and without the post-quantum key, and against a stripped or foreign signature.
import { describe, expect, it } from "vitest";
import { createHash, generateKeyPairSync } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { tempDir } from "../helpers.js";
import { cli } from "../faults/harness.js";
import { createAuditTrail, jsonlSink } from "../../src/index.js";
import { cosignedMessage, mlDsaKeyId, mlDsaProblem } from "../../src/integrity/ml-dsa.js";
import { signCheckpoint, type Checkpoint } from "../../src/integrity/checkpoints.js";

describe("ML-DSA-44 cosigned_message", () => {
  it("is label ‖ u8-length name ‖ u64 time ‖ u8-length origin ‖ u64 start ‖ u64 end ‖ root, big-endian", () => {
    const root = Buffer.alloc(32, 0xab);
    const m = cosignedMessage("w.example", 1679315147, "log.example/x", 0, 20852163, root);
    const expected = Buffer.concat([
      Buffer.from("subtree/v1\n\0", "latin1"),
      Buffer.from([9]), Buffer.from("w.example"),
      Buffer.from("00000000641850cb", "hex"),
      Buffer.from([13]), Buffer.from("log.example/x"),
      Buffer.alloc(8),
      Buffer.from("00000000013e2dc3", "hex"),
      root,
    ]);
    expect(m.toString("hex")).toBe(expected.toString("hex"));
    expect(m.subarray(0, 12).length).toBe(12);
  });

  it("key id is SHA-256(name ‖ \\n ‖ 0x06 ‖ 1312-byte key)[:4]", () => {
    const { publicKey } = ml_dsa44.keygen(new Uint8Array(32).fill(1));
    expect(publicKey.length).toBe(1312);
    const want = createHash("sha256").update(Buffer.concat([Buffer.from("o\n"), Buffer.from([6]), publicKey])).digest().subarray(0, 4);
    expect(mlDsaKeyId("o", publicKey).equals(want)).toBe(true);
  });
});

describe("a trail with postQuantum: true", () => {
  it("signs every checkpoint note with Ed25519 and ML-DSA-44; verify --ml-dsa-key checks the second", async () => {
    const dir = tempDir();
    const seed = join(tempDir(), "pq.seed");
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { checkpointEvery: 5, postQuantum: { keyFile: seed } } });
    for (let i = 0; i < 12; i++) trail.record({ type: "custom", name: "tick", data: { i } });
    await trail.shutdown();
    const digest = join(dir, ".digests", `${trail.chainId}.jsonl`);
    const cps = readFileSync(digest, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Checkpoint);
    expect(cps.length).toBeGreaterThan(2);
    for (const cp of cps) expect(cp.note!.split("\n").filter((l) => l.startsWith("\u2014 "))).toHaveLength(2);

    // The verifier's copy of the post-quantum key, taken from the writer out of band.
    const pq = join(tempDir(), "ml-dsa-44.pub");
    copyFileSync(join(dir, ".digests", "ml-dsa-44.pub"), pq);
    expect((await cli(["verify", "--dir", dir])).code).toBe(0); // Ed25519 alone still verifies
    expect((await cli(["verify", "--dir", dir, "--ml-dsa-key", pq])).code).toBe(0);

    const other = join(tempDir(), "other.pub");
    writeFileSync(other, Buffer.from(ml_dsa44.keygen(new Uint8Array(32).fill(9)).publicKey).toString("base64"));
    const wrong = await cli(["verify", "--dir", dir, "--ml-dsa-key", other]);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain("no ML-DSA-44 signature by the trusted post-quantum key");
  });

  it("a note stripped of its ML-DSA-44 line, or with the line's signature altered, is forged_checkpoint under --ml-dsa-key", async () => {
    const dir = tempDir();
    const seed = join(tempDir(), "pq.seed");
    const ed = generateKeyPairSync("ed25519");
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: ed.privateKey, checkpointEvery: 5, postQuantum: { keyFile: seed } } });
    for (let i = 0; i < 7; i++) trail.record({ type: "custom", name: "tick", data: { i } });
    await trail.shutdown();
    const digest = join(dir, ".digests", `${trail.chainId}.jsonl`);
    const pq = Buffer.from(readFileSync(join(dir, ".digests", "ml-dsa-44.pub"), "utf8").trim(), "base64");
    const cps = readFileSync(digest, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Checkpoint);
    const origin = `agent-audit-trail/${trail.chainId}`;
    expect(mlDsaProblem(cps[0]!.note!, origin, cps[0]!.tree_size!, cps[0]!.root!, pq)).toBeUndefined();
    // A quantum attacker who forged Ed25519 re-signs the JSON with it: the ML-DSA line is what is left to beat.
    const resign = (cp: Checkpoint, note: string) => {
      const { sig: _s, key_id: _k, type: _t, ...body } = cp;
      return signCheckpoint(ed.privateKey, { ...body, note });
    };
    const stripped = cps.map((cp) => resign(cp, cp.note!.split("\n").filter((l) => !(l.startsWith("\u2014 ") && Buffer.from(l.split(" ")[2]!, "base64").length > 100)).join("\n") + "\n"));
    writeFileSync(digest, stripped.map((c) => JSON.stringify(c)).join("\n") + "\n");
    const pqFile = join(tempDir(), "pq.pub");
    writeFileSync(pqFile, pq.toString("base64"));
    const r = await cli(["verify", "--dir", dir, "--ml-dsa-key", pqFile, "--public-key", writePem(ed.publicKey)]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("forged_checkpoint");
    const altered = cps.map((cp) => {
      const lines = cp.note!.split("\n");
      const i = lines.findIndex((l) => l.startsWith("\u2014 ") && Buffer.from(l.split(" ")[2]!, "base64").length > 100);
      const raw = Buffer.from(lines[i]!.split(" ")[2]!, "base64");
      raw[100] = raw[100]! ^ 1;
      lines[i] = `\u2014 ${origin} ${raw.toString("base64")}`;
      return resign(cp, lines.join("\n"));
    });
    expect(mlDsaProblem(altered[0]!.note!, origin, cps[0]!.tree_size!, cps[0]!.root!, pq)).toBe("its ML-DSA-44 signature does not verify");
  });
});

function writePem(key: import("node:crypto").KeyObject): string {
  const file = join(tempDir(), "ed.pem");
  writeFileSync(file, key.export({ type: "spki", format: "pem" }) as string);
  return file;
}
