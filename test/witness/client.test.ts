// The log's side of tlog-witness against the real witness: every answer is a result, only the
// network throws.
import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { addCheckpoint } from "../../src/witness/client.js";
import { parseWitnessVerifierKey, verifyCosignature } from "../../src/witness/cosignature.js";
import { startWitness, TestLog } from "./helpers.js";

describe("addCheckpoint", () => {
  it("gets cosignatures, learns the size held on a conflict, and catches up with a proof from there", async () => {
    const log = new TestLog().grow(10);
    const w = await startWitness({ logKeys: [log.key] });
    const witness = parseWitnessVerifierKey(w.server.verifierKey);

    const first = await addCheckpoint(w.url, { oldSize: 0, proof: [], note: log.note() }, { witness });
    expect(first.status).toBe("cosigned");
    const lines = first.status === "cosigned" ? first.cosignatures : [];
    expect(lines).toHaveLength(1);
    expect(verifyCosignature(log.note() + lines[0], lines[0]!, witness).ok).toBe(true);

    // A log that lost track of the witness asks from 0, is told 10, and proves from there.
    log.grow(25);
    const stale = await addCheckpoint(`${w.url}/`, { oldSize: 0, proof: [], note: log.note() });
    expect(stale).toEqual({ status: "conflict", size: 10 });
    const caughtUp = await addCheckpoint(`${w.url}/add-checkpoint`, { oldSize: 10, proof: log.proof(10), note: log.note() }, { witness });
    expect(caughtUp.status).toBe("cosigned");
  });

  it("reports refusals with their code and body", async () => {
    const log = new TestLog().grow(4);
    const w = await startWitness({ logKeys: [log.key] });
    await addCheckpoint(w.url, { oldSize: 0, proof: [], note: log.note() });
    log.grow(2);
    expect(await addCheckpoint(w.url, { oldSize: 4, proof: [], note: log.note() })).toEqual({ status: "rejected", code: 422, body: "the consistency proof does not verify\n" });
    const stranger = new TestLog().grow(1);
    expect(await addCheckpoint(w.url, { oldSize: 0, proof: [], note: stranger.note() })).toMatchObject({ status: "rejected", code: 403 });
    // A witness you do not trust: its 200 carries nothing you can use.
    const other = { name: "witness.example/agent-audit", publicKey: generateKeyPairSync("ed25519").publicKey };
    expect(await addCheckpoint(w.url, { oldSize: 4, proof: log.proof(4), note: log.note() }, { witness: other })).toMatchObject({ status: "rejected", code: 200 });
  });

  it("throws on network errors and timeouts only, naming the host but no credentials or path", async () => {
    const log = new TestLog().grow(1);
    // A port nobody listens on.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = addCheckpoint(`http://user:secret@127.0.0.1:${port}/w?token=abc`, { oldSize: 0, proof: [], note: log.note() });
    await expect(refused).rejects.toThrow(`cannot reach the witness at http://127.0.0.1:${port}: ECONNREFUSED`);
    await refused.catch((err: Error) => expect(err.message).not.toMatch(/secret|token|\/w/));

    // A server that accepts and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const started = Date.now();
      await expect(addCheckpoint(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { oldSize: 0, proof: [], note: log.note() }, { timeoutMs: 300 })).rejects.toMatchObject({ code: "ETIMEDOUT" });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.close();
    }
  });

  it("refuses arguments no witness could accept", async () => {
    const note = new TestLog().grow(1).note();
    await expect(addCheckpoint("http://127.0.0.1:1", { oldSize: -1, proof: [], note })).rejects.toThrow(RangeError);
    await expect(addCheckpoint("http://127.0.0.1:1", { oldSize: 0, proof: [Buffer.alloc(31)], note })).rejects.toThrow(RangeError);
    await expect(addCheckpoint("http://127.0.0.1:1", { oldSize: 0, proof: [], note: note.trimEnd() })).rejects.toThrow(TypeError);
    await expect(addCheckpoint("ftp://127.0.0.1:1", { oldSize: 0, proof: [], note })).rejects.toThrow(/http/);
  });
});
