// Our evidence bundles, checked by an independent implementation: sigstore-js (@sigstore/verify,
// Apache-2.0), whose Rekor verification implements RFC 6962 inclusion proofs and C2SP signed-note
// checkpoints. If the two disagree about a proof or a note, one of us is wrong.
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { tempDir } from "../helpers.js";
import { createAuditTrail, jsonlSink } from "../../src/index.js";
import { prove } from "../../src/evidence/prove.js";
import { noteKeyId } from "../../src/integrity/signed-note.js";
import { checkpointOrigin } from "../../src/integrity/checkpoints.js";
import { generateKeyPairSync } from "node:crypto";

const require = createRequire(import.meta.url);
const { verifyMerkleInclusion } = require("@sigstore/verify/dist/tlog/merkle.js") as { verifyMerkleInclusion: (entry: unknown, checkpoint: unknown) => void };
const { verifyCheckpoint } = require("@sigstore/verify/dist/tlog/checkpoint.js") as { verifyCheckpoint: (entry: unknown, tlogs: unknown[]) => unknown };

describe("bundles against sigstore-js's RFC 6962 and signed-note verification", () => {
  it("every inclusion proof and checkpoint note of a bundle verifies there too; a swapped proof does not", async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: privateKey, checkpointEvery: 50 } });
    for (let i = 0; i < 777; i++) trail.record({ type: "custom", name: "tick", session_id: i % 7 === 0 ? "s7" : "other", data: { i } });
    await trail.shutdown();
    const bundle = await prove(dir, { sessionId: "s7" }, { publicKey });
    expect(bundle.events).toHaveLength(111);
    const cp = bundle.checkpoints[0]!;
    const origin = checkpointOrigin(cp.chain_id);
    const tlogs = [{ logID: noteKeyId(origin, publicKey), publicKey, baseURL: origin, validFor: { start: new Date(0), end: new Date(8.64e15) } }];
    const entry = (e: (typeof bundle.events)[number], hashes = e.proof) => ({
      canonicalizedBody: Buffer.from(e.event.hash, "hex"),
      inclusionProof: { logIndex: String(e.index), treeSize: String(e.tree_size), rootHash: Buffer.from(cp.root, "base64"), hashes: hashes.map((h) => Buffer.from(h, "base64")), checkpoint: { envelope: cp.note } },
    });
    for (const e of bundle.events) {
      const checkpoint = verifyCheckpoint(entry(e), tlogs);
      expect(() => verifyMerkleInclusion(entry(e), checkpoint)).not.toThrow();
    }
    const [a, b] = [bundle.events[3]!, bundle.events[4]!];
    const checkpoint = verifyCheckpoint(entry(a), tlogs);
    expect(() => verifyMerkleInclusion(entry(a, b.proof), checkpoint)).toThrow(/root hash does not match|hash count/);
    // A note signed by another key does not pass their check either.
    const other = generateKeyPairSync("ed25519").publicKey;
    expect(() => verifyCheckpoint(entry(a), [{ ...tlogs[0], publicKey: other }])).toThrow(/signature/);
  });
});
