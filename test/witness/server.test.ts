// The HTTP witness (c2sp.org/tlog-witness) on a real port, fed real checkpoints (checkpointNote over
// RFC 6962 trees of event hashes): every answer the spec names, state, races, restarts, junk.
import { describe, expect, it } from "vitest";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointNote } from "../../src/integrity/checkpoints.js";
import { emptyRoot } from "../../src/integrity/merkle.js";
import { openNote, parseVerifierKey, signNote } from "../../src/integrity/signed-note.js";
import { parseWitnessVerifierKey, verifyCosignature } from "../../src/witness/cosignature.js";
import { addCheckpointBody } from "../../src/witness/request.js";
import { createWitnessServer } from "../../src/witness/server.js";
import { prng, raw, startWitness, TestLog } from "./helpers.js";

const DASH = "\u2014 ";
const hex = (origin: string) => createHash("sha256").update(origin).digest("hex");
const evidence = (dir: string) => (existsSync(join(dir, "evidence.jsonl")) ? readFileSync(join(dir, "evidence.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) : []);

describe("add-checkpoint: cosigning a growing log", () => {
  it("cosigns a first checkpoint (old 0), persists it, and serves it to monitors", async () => {
    const log = new TestLog().grow(7);
    const w = await startWitness({ logKeys: [log.key], now: () => 1_750_000_000 });
    const res = await raw(w.url, { body: log.body(0) });
    expect(res.status).toBe(200);
    expect(res.type).toBe("text/plain; charset=utf-8");
    expect(res.body).toMatch(new RegExp(`^${DASH}witness\\.example/agent-audit \\S+\\n$`));
    expect(verifyCosignature(log.note(), res.body, parseWitnessVerifierKey(w.server.verifierKey))).toEqual({ ok: true, time: 1_750_000_000 });

    // State: one file per origin, owner-only, replaced whole.
    const file = join(w.dir, "origins", `${hex(log.origin)}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ origin: log.origin, size: "7", root: log.root().toString("base64") });

    // Monitors: the checkpoint with the log signature the witness verified and its cosignature.
    const got = await raw(w.url, { method: "GET", path: `/${hex(log.origin)}/checkpoint` });
    expect(got.status).toBe(200);
    expect(got.body).toBe(log.note() + res.body);
    expect(openNote(got.body, [{ name: log.origin, publicKey: log.key }]).text).toBe(`${log.origin}\n7\n${log.root().toString("base64")}\n`);
    const cosig = got.body.split("\n").find((l) => l.startsWith(`${DASH}witness.example/`))!;
    expect(verifyCosignature(got.body, cosig, parseWitnessVerifierKey(w.server.verifierKey)).ok).toBe(true);
  });

  it("follows the log through random growth with valid consistency proofs, and re-cosigns the same tree", async () => {
    const random = prng(6962);
    const log = new TestLog();
    const w = await startWitness({ logKeys: [log.key] });
    const witness = parseWitnessVerifierKey(w.server.verifierKey);
    let held = 0;
    for (let step = 0; step < 12; step++) {
      // Sizes across powers of two and odd splits, sometimes one leaf, sometimes hundreds.
      log.grow(step % 4 === 3 ? 1 : 1 + Math.floor(random() * (step < 6 ? 40 : 300)));
      const res = await raw(w.url, { body: log.body(held) });
      expect(res.status, `step ${step}: ${held} → ${log.size}: ${res.body}`).toBe(200);
      expect(verifyCosignature(log.note(), res.body, witness).ok).toBe(true);
      held = log.size;
    }
    // The same size and root again: a fresh cosignature (the spec's "same size, same root" case).
    const again = await raw(w.url, { body: log.body(held) });
    expect(again.status).toBe(200);
    const latest = await raw(w.url, { method: "GET", path: `/${hex(log.origin)}/checkpoint` });
    expect(latest.body.startsWith(log.note())).toBe(true);
    expect(evidence(w.dir)).toEqual([]);
  });

  it("ignores signatures by unknown keys and accepts any trusted key's; several origins at once", async () => {
    const a = new TestLog().grow(3);
    const b = new TestLog().grow(5);
    const stranger = generateKeyPairSync("ed25519").privateKey;
    const w = await startWitness({ logKeys: [a.key, b.key] });
    // b's note also carries a line of an unknown key and another witness's cosignature.
    const extra = signNote(`${b.origin}\n5\n${b.root().toString("base64")}\n`, "someone.else/key", stranger).split("\n\n")[1]!;
    const noteB = b.note() + extra + `${DASH}witness.other/w1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`;
    const [ra, rb] = await Promise.all([raw(w.url, { body: a.body(0) }), raw(w.url, { body: addCheckpointBody(0, [], noteB) })]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    // Monitors get only what the witness verified: b's own signature and the cosignature.
    const got = await raw(w.url, { method: "GET", path: `/${hex(b.origin)}/checkpoint` });
    expect(got.body).toBe(b.note() + rb.body);
  });
});

describe("add-checkpoint: every refusal the spec names", () => {
  it("400 for a malformed body, and for an old size beyond the checkpoint's", async () => {
    const log = new TestLog().grow(9);
    const w = await startWitness({ logKeys: [log.key] });
    await raw(w.url, { body: log.body(0) });
    log.grow(4);
    const proof = log.proof(9).map((p) => p.toString("base64"));
    const note = log.note();
    const bodies: Record<string, string | Buffer> = {
      empty: "",
      "no old line": `${proof.join("\n")}\n\n${note}`,
      "old with a leading zero": `old 09\n${proof.join("\n")}\n\n${note}`,
      "old not a number": `old nine\n\n${note}`,
      "old negative": `old -1\n\n${note}`,
      "old beyond u64": `old 18446744073709551616\n\n${note}`,
      "two spaces": `old  9\n${proof.join("\n")}\n\n${note}`,
      "no blank line": `old 9\n${proof.join("\n")}\n${note}`,
      "a proof line that is not base64": `old 9\n${proof[0]!.replace(/.$/, "!")}\n\n${note}`,
      "a proof line of 31 bytes": `old 9\n${Buffer.alloc(31).toString("base64")}\n\n${note}`,
      "a proof line in non-canonical base64": `old 9\n${proof[0]!.slice(0, 42)}B=\n\n${note}`,
      "64 proof lines": `old 9\n${Array(64).fill(proof[0]).join("\n")}\n\n${note}`,
      "CRLF line ends": `old 9\r\n${proof.join("\r\n")}\r\n\r\n${note}`,
      "not UTF-8": Buffer.concat([Buffer.from("old 9\n\n"), Buffer.from([0xc3, 0x28]), Buffer.from(note)]),
      "a checkpoint without signatures": `old 9\n${proof.join("\n")}\n\n${note.split("\n\n")[0]}\n`,
      "a checkpoint without a final newline": `old 9\n${proof.join("\n")}\n\n${note.slice(0, -1)}`,
      "a size with a leading zero": addCheckpointBody(9, log.proof(9), signNote(`${log.origin}\n013\n${log.root().toString("base64")}\n`, log.origin, log.key)),
      "a root that is not 32 bytes": addCheckpointBody(9, log.proof(9), signNote(`${log.origin}\n13\n${Buffer.alloc(20).toString("base64")}\n`, log.origin, log.key)),
      "two lines only": addCheckpointBody(9, [], signNote(`${log.origin}\n13\n`, log.origin, log.key)),
      "a signature line without a dash": `old 9\n${proof.join("\n")}\n\n${note.replace("\u2014", "-")}`,
      "old beyond the checkpoint's size (signed, trusted)": log.body(9).replace(/^old 9/, "old 14"),
    };
    for (const [what, body] of Object.entries(bodies)) {
      const res = await raw(w.url, { body });
      expect(res.status, `${what}: ${res.body}`).toBe(400);
      expect(res.body).not.toMatch(/at .*\.(js|ts):\d+/); // no stack
    }
    // Nothing moved: the valid request still fits.
    expect((await raw(w.url, { body: log.body(9) })).status).toBe(200);
  });

  it("404 for an origin it does not know: not under the prefix, or not a valid name", async () => {
    const log = new TestLog().grow(2);
    const w = await startWitness({ logKeys: [log.key] });
    const root = log.root().toString("base64");
    for (const origin of ["example.com/log", "agent-audit-trail/", "agent-audit-trail", "agent-audit-trail/a b", "agent-audit-trail/a+b"]) {
      const text = `${origin}\n2\n${root}\n`;
      // Signed by the trusted key where the name allows it: the origin alone decides.
      const note = /[\s+]/.test(origin) ? `${text}\n${DASH}x AAAAAAA=\n` : signNote(text, origin, log.key);
      const res = await raw(w.url, { body: addCheckpointBody(0, [], note) });
      expect(res.status, origin).toBe(404);
    }
  });

  it("403 without a trusted signature, or when a trusted key's signature fails", async () => {
    const log = new TestLog().grow(4);
    const stranger = new TestLog(generateKeyPairSync("ed25519").privateKey);
    const w = await startWitness({ logKeys: [log.key] });
    // Signed by a key the witness does not trust (same origin name, other key ID).
    const untrusted = checkpointNote(stranger.key, log.chainId, 4, log.root().toString("base64"));
    expect(await raw(w.url, { body: addCheckpointBody(0, [], untrusted) })).toMatchObject({ status: 403, body: "no signature by a trusted log key\n" });
    // The trusted key's signature with one bit flipped.
    const note = log.note();
    const [text, sigLine] = note.split("\n\n") as [string, string];
    const sig = Buffer.from(sigLine.trim().split(" ")[2]!, "base64");
    sig[20]! ^= 0x80;
    const flipped = `${text}\n\n${DASH}${log.origin} ${sig.toString("base64")}\n`;
    expect(await raw(w.url, { body: addCheckpointBody(0, [], flipped) })).toMatchObject({ status: 403, body: "a signature by a trusted log key does not verify\n" });
    // A text edited after signing (another root), even with a good unknown signature beside it.
    const edited = note.replace(log.root().toString("base64"), emptyRoot().toString("base64").replace("47DEQ", "47DEA"));
    expect((await raw(w.url, { body: addCheckpointBody(0, [], edited) })).status).toBe(403);
    // Signed under another name by the trusted key: not a signature for this origin.
    const otherName = signNote(`${log.origin}\n4\n${log.root().toString("base64")}\n`, "agent-audit-trail/other", log.key);
    expect((await raw(w.url, { body: addCheckpointBody(0, [], otherName) })).status).toBe(403);
    expect(evidence(w.dir)).toEqual([]);
  });

  it("409 with the size it holds (text/x.tlog.size) when old is not that size; 0 for a new origin", async () => {
    const log = new TestLog().grow(20);
    const w = await startWitness({ logKeys: [log.key] });
    const fresh = await raw(w.url, { body: log.body(8).replace(/^old 8/, "old 8") });
    expect(fresh).toMatchObject({ status: 409, type: "text/x.tlog.size", body: "0\n" });
    expect((await raw(w.url, { body: log.body(0, 8) })).status).toBe(200);
    for (const old of [0, 5, 9]) {
      const stale = await raw(w.url, { body: log.body(old) });
      expect(stale).toMatchObject({ status: 409, type: "text/x.tlog.size", body: "8\n" });
      expect(stale.headers["content-length"]).toBe("2");
    }
    expect((await raw(w.url, { body: log.body(8) })).status).toBe(200);
  });

  it("422 for a bad proof, the same size with another root, an empty tree with a root; signed ones become evidence", async () => {
    const log = new TestLog().grow(10);
    const w = await startWitness({ logKeys: [log.key] });
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
    log.grow(6);

    // A proof with one hash changed, and a proof for other sizes.
    const proof = log.proof(10);
    // Flip a byte (setting it to a constant would leave it unchanged one time in 256: the leaves are random).
    const bad = Buffer.from(proof[0]!);
    bad[0] = bad[0]! ^ 0xff;
    proof[0] = bad;
    expect(await raw(w.url, { body: addCheckpointBody(10, proof, log.note()) })).toMatchObject({ status: 422, body: "the consistency proof does not verify\n" });
    expect((await raw(w.url, { body: addCheckpointBody(10, log.proof(9), log.note()) })).status).toBe(422);
    expect((await raw(w.url, { body: addCheckpointBody(10, [], log.note()) })).status).toBe(422);

    // A fork: the log signs another tree of the size the witness holds.
    const fork = new TestLog(log.key);
    Object.assign(fork, { chainId: log.chainId, origin: log.origin });
    fork.grow(10);
    expect(await raw(w.url, { body: fork.body(10, 10) })).toMatchObject({ status: 422, body: "same size as the checkpoint held, different root\n" });
    // …and a fork that grew: its proof is from its own tree, not the one the witness holds.
    fork.grow(5);
    expect(await raw(w.url, { body: fork.body(10) })).toMatchObject({ status: 422, body: "the consistency proof does not verify\n" });
    // The same tree, with a proof where none belongs.
    expect((await raw(w.url, { body: addCheckpointBody(10, log.proof(9, 10), log.note(10)) })).status).toBe(422);

    const recorded = evidence(w.dir);
    expect(recorded).toHaveLength(6);
    expect(recorded[3]).toMatchObject({ origin: log.origin, reason: "same size as the checkpoint held, different root", old: "10", held: { size: "10", root: log.root(10).toString("base64") } });
    // The evidence carries the log's signed checkpoint: anyone can check the log signed both.
    expect(openNote(recorded[3]!.checkpoint as string, [{ name: log.origin, publicKey: log.key }]).text).toBe(`${log.origin}\n10\n${fork.root(10).toString("base64")}\n`);

    // Nothing was cosigned: the held state is still size 10 with the first root.
    expect((await raw(w.url, { body: log.body(10) })).status).toBe(200);
  });

  it("422 for size 0 without the empty root, and for a proof from size 0", async () => {
    const log = new TestLog().grow(3);
    const w = await startWitness({ logKeys: [log.key] });
    const zeroWithRoot = checkpointNote(log.key, log.chainId, 0, log.root().toString("base64"));
    expect(await raw(w.url, { body: addCheckpointBody(0, [], zeroWithRoot) })).toMatchObject({ status: 422, body: "a checkpoint of size 0 has the empty tree's root\n" });
    expect(await raw(w.url, { body: addCheckpointBody(0, [log.leaves[0]!], log.note()) })).toMatchObject({ status: 422, body: "from size 0 the consistency proof is empty\n" });
    expect(evidence(w.dir)).toHaveLength(2);
    // The empty tree itself is cosigned, and anything extends it.
    const empty = checkpointNote(log.key, log.chainId, 0, emptyRoot().toString("base64"));
    expect((await raw(w.url, { body: addCheckpointBody(0, [], empty) })).status).toBe(200);
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
  });
});

describe("add-checkpoint: state", () => {
  it("lets exactly one of many concurrent submissions from the same old size win; the rest get 409", async () => {
    const log = new TestLog().grow(16);
    const w = await startWitness({ logKeys: [log.key] });
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
    log.grow(40);
    // Eight requests from old 16 to eight different sizes, all consistent, sent at once.
    const sizes = [17, 20, 24, 31, 32, 33, 45, 56];
    const results = await Promise.all(sizes.map((s) => raw(w.url, { body: log.body(16, s) })));
    const won = results.map((r, i) => ({ r, size: sizes[i]! })).filter(({ r }) => r.status === 200);
    expect(won).toHaveLength(1);
    const winner = won[0]!.size;
    for (const r of results.filter((r) => r.status !== 200)) expect(r).toMatchObject({ status: 409, type: "text/x.tlog.size", body: `${winner}\n` });
    // The state is the winner's, never rolled back by a loser.
    const file = JSON.parse(readFileSync(join(w.dir, "origins", `${hex(log.origin)}.json`), "utf8"));
    expect(file.size).toBe(String(winner));
    const again = await Promise.all([raw(w.url, { body: log.body(winner) }), raw(w.url, { body: log.body(winner) })]);
    expect(again.map((r) => r.status).sort()).toEqual(winner === log.size ? [200, 200] : [200, 409]);
  });

  it("keeps its state across a restart, and one process per state directory", async () => {
    const log = new TestLog().grow(11);
    const witnessKey = generateKeyPairSync("ed25519").privateKey;
    const first = await startWitness({ logKeys: [log.key], signingKey: witnessKey });
    expect((await raw(first.url, { body: log.body(0) })).status).toBe(200);
    expect(() => createWitnessServer({ dir: first.dir, name: "witness.example/two", signingKey: generateKeyPairSync("ed25519").privateKey, logKeys: [log.key] })).toThrow(/another witness/);
    await first.close();

    const second = await startWitness({ logKeys: [log.key], signingKey: witnessKey, dir: first.dir });
    expect(await raw(second.url, { body: log.body(0) })).toMatchObject({ status: 409, body: "11\n" });
    const kept = await raw(second.url, { method: "GET", path: `/${hex(log.origin)}/checkpoint` });
    expect(kept.status).toBe(200);
    expect(kept.body.startsWith(log.note())).toBe(true);
    log.grow(3);
    expect((await raw(second.url, { body: log.body(11) })).status).toBe(200);
  });

  it("answers 500 without details, never 'size 0', when a state file is damaged", async () => {
    const log = new TestLog().grow(5);
    const w = await startWitness({ logKeys: [log.key] });
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
    writeFileSync(join(w.dir, "origins", `${hex(log.origin)}.json`), "{ torn");
    const res = await raw(w.url, { body: log.body(0) });
    expect(res).toMatchObject({ status: 500, body: "internal error\n" });
    expect(w.errors).toHaveLength(1);
  });

  it("takes over the lock of a witness process that died", async () => {
    const log = new TestLog().grow(1);
    const dir = (await startWitness({ logKeys: [log.key] })).dir;
    // A pid that is not running: the test process's own pid + a large offset is very unlikely to be.
    writeFileSync(join(dir, "witness.lock"), "2147483646\n");
    const w = await startWitness({ logKeys: [log.key], dir });
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
  });
});

describe("HTTP surface", () => {
  it("405 for wrong methods, 404 for unknown paths and origins, 413 past the body limit, HEAD for monitors", async () => {
    const log = new TestLog().grow(2);
    const w = await startWitness({ logKeys: [log.key], maxBodyBytes: 4096 });
    expect(await raw(w.url, { method: "GET" })).toMatchObject({ status: 405, headers: { allow: "POST" } });
    expect(await raw(w.url, { method: "PUT", body: log.body(0) })).toMatchObject({ status: 405 });
    expect((await raw(w.url, { method: "GET", path: "/" })).status).toBe(404);
    expect((await raw(w.url, { method: "GET", path: "/add-checkpoint/x" })).status).toBe(404);
    expect((await raw(w.url, { method: "GET", path: `/${hex(log.origin).toUpperCase()}/checkpoint` })).status).toBe(404);
    expect((await raw(w.url, { method: "GET", path: `/${hex(log.origin)}/checkpoint` })).status).toBe(404);
    expect(await raw(w.url, { method: "POST", path: `/${hex(log.origin)}/checkpoint`, body: "x" })).toMatchObject({ status: 405, headers: { allow: "GET, HEAD" } });
    expect((await raw(w.url, { body: "x".repeat(5000) })).status).toBe(413);
    // Without a content-length (chunked), cut off as it streams.
    expect((await raw(w.url, { body: "x".repeat(50_000), headers: { "transfer-encoding": "chunked" } })).status).toBe(413);
    expect((await raw(w.url, { body: log.body(0) })).status).toBe(200);
    const head = await raw(w.url, { method: "HEAD", path: `/${hex(log.origin)}/checkpoint` });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect((await raw(w.url, { path: "/add-checkpoint?x=1", body: log.body(2) })).status).toBe(200);
  });

  it("never crashes or answers 500 on mutated and random bodies (seeded fuzz)", async () => {
    const random = prng(20260706);
    const log = new TestLog().grow(30);
    const w = await startWitness({ logKeys: [log.key] });
    expect((await raw(w.url, { body: log.body(0, 12) })).status).toBe(200);
    const valid = Buffer.from(log.body(12));
    const pick = (n: number) => Math.floor(random() * n);
    // Insertions that hit the format's seams: line ends, blank lines, dashes, separators, digits.
    const TOKENS = ["\n", "\n\n", DASH, " ", "=", "+", "0", "old 0\n", "\u00e9", "\r"];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      let body: Buffer;
      const kind = i % 5;
      if (kind === 0) body = Buffer.from(Array.from({ length: pick(300) }, () => pick(256)));
      else if (kind === 1) body = valid.subarray(0, pick(valid.length));
      else {
        body = Buffer.from(valid);
        for (let k = 0; k <= pick(kind); k++) {
          const at = pick(body.length);
          const op = pick(4);
          if (op === 0) body[at] = pick(256);
          else if (op === 1) body[at] = [0x0a, 0x20, 0x2b, 0x3d, 0x30][pick(5)]!;
          else if (op === 2) body = Buffer.concat([body.subarray(0, at), body.subarray(at + 1 + pick(8))]);
          else body = Buffer.concat([body.subarray(0, at), Buffer.from(TOKENS[pick(TOKENS.length)]!), body.subarray(at)]);
        }
      }
      const res = await raw(w.url, { body });
      expect([200, 400, 403, 404, 409, 422], `${res.status} ${res.body} for ${JSON.stringify(body.toString("latin1"))}`).toContain(res.status);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect(w.errors).toEqual([]);
    // Still serving, state intact (or legitimately advanced by a mutation the log's signature still covers).
    const res = await raw(w.url, { body: log.body(12) });
    expect([200, 409]).toContain(res.status);
  });
});

describe("interoperability", () => {
  // transparency-dev/witness's own test data (persistence/sqlite TestDeadlock): the log "monkeys",
  // its signed checkpoints of sizes 5 and 8, and the consistency proof between them.
  const MONKEYS_VKEY = "monkeys+db4d9f7e+AULaJMvTtDLHPUcUrjdDad9vDlh/PTfC2VV60JUtCfWT";
  const INIT = "monkeys\n5\n41smjBUiAU70EtKlT6lIOIYtRTYxYXsDB+XHfcvu/BE=\n\n\u2014 monkeys 202fftzGl3LVoqjXfwCFZZXs8I+5G22+Ek2K0AOyBuSJ/8/CZawNF+6fNlTKOCd622pbzJNkkJFWuw9DbicZCkEx9AY=\n";
  const NEXT = "monkeys\n8\nV8K9aklZ4EPB+RMOk1/8VsJUdFZR77GDtZUQq84vSbo=\n\n\u2014 monkeys 202ffoUEboiQYpHzICeaFmoy3RNviHTpAxYrq/eO4QQVQMvu9UebKBMX2MJC76NLthZaKsnKbCA8GxrjePZhvDCH7Ag=\n";
  const PROOF = ["b9e1d62618f7fee8034e4c5010f727ab24d8e4705cb296c374bf2025a87a10d2", "aac66cd7a79ce4012d80762fe8eec3a77f22d1ca4145c3f4cee022e7efcd599d", "89d0f753f66a290c483b39cd5e9eafb12021293395fad3d4a2ad053cfbcfdc9e", "29e40bb79c966f4c6fe96aff6f30acfce5f3e8d84c02215175d6e018a5dee833"].map((h) => Buffer.from(h, "hex"));

  it("witnesses transparency-dev's test log: first checkpoint, then growth with its proof", async () => {
    const w = await startWitness({ logKeys: [parseVerifierKey(MONKEYS_VKEY).publicKey], originPrefix: "" });
    expect((await raw(w.url, { body: addCheckpointBody(0, [], INIT) })).status).toBe(200);
    const next = await raw(w.url, { body: addCheckpointBody(5, PROOF, NEXT) });
    expect(next.status).toBe(200);
    expect(verifyCosignature(NEXT, next.body, parseWitnessVerifierKey(w.server.verifierKey)).ok).toBe(true);
    // With the default prefix, that origin is not ours.
    const ours = await startWitness({ logKeys: [parseVerifierKey(MONKEYS_VKEY).publicKey] });
    expect((await raw(ours.url, { body: addCheckpointBody(0, [], INIT) })).status).toBe(404);
  });
});
