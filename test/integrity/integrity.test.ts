// The tamper-evident trail: hash chain, signed checkpoints, verify, erasure, retention, access log,
// permissions and encryption at rest.
import { signErasure } from "../../src/integrity/erasure-records.js";
import { describe, expect, it } from "vitest";
import { chmodSync, cpSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import { envelopeHash, contentHash, GENESIS } from "../../src/integrity/seal.js";
import { digestFile, publicKeyFile } from "../../src/integrity/checkpoints.js";
import { decryptEvent } from "../../src/integrity/encryption.js";
import { verifyAccessLog, accessLogFile } from "../../src/integrity/access-log.js";
import { main } from "../../src/cli/main.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { expectValidEvents, tempDir } from "../helpers.js";

const keys = generateKeyPairSync("ed25519");

async function makeTrail(n = 40, extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: keys.privateKey, checkpointEvery: 10 }, ...extra });
  for (let i = 0; i < n; i++) trail.record({ type: "custom", name: "step", user_id: i % 4 === 0 ? "alice@example.com" : "bob", data: { i, note: `secret-note-${i}` } });
  await trail.shutdown();
  const file = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!;
  return { dir, trail, file: join(dir, file), chain: trail.chainId };
}
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);
const write = (file: string, ls: string[]) => writeFileSync(file, ls.join("\n") + "\n");
function copy(dir: string) {
  const to = tempDir();
  cpSync(dir, to, { recursive: true });
  const file = readdirSync(to).find((f) => f.endsWith(".jsonl"))!;
  return { dir: to, file: join(to, file) };
}
const kinds = (r: Awaited<ReturnType<typeof verifyTrail>>) => r.problems.map((p) => p.kind);
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("hash chain and checkpoints", () => {
  it("seals every event (content digest, prev hash, hash) and writes signed checkpoints; an untouched trail verifies", async () => {
    const { dir, file, chain } = await makeTrail();
    const events = lines(file).map((l) => JSON.parse(l) as AuditEvent);
    expectValidEvents(events);
    expect(events[0]!.prev_hash).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prev_hash).toBe(events[i - 1]!.hash);
    for (const e of events) {
      expect(contentHash(e.salt!, e)).toBe(e.content_hash);
      expect(envelopeHash(e)).toBe(e.hash);
    }
    const checkpoints = lines(digestFile(dir, chain)).map((l) => JSON.parse(l));
    // The first event is signed at once, then every 10, and the shutdown's final checkpoint.
    expect(checkpoints.map((c) => c.seq)).toEqual([1, 11, 21, 31, 40]);
    expect(checkpoints.at(-1)).toMatchObject({ final: true, every: 10 });
    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report).toMatchObject({ ok: true, problems: [], events: 40, publicKeyTrusted: true });
    expect(report.chains[0]!.verified_to!.seq).toBe(40);
    const cli = await run(["verify", "--dir", dir, "--public-key", writeKey()]);
    expect(cli.code).toBe(0);
    expect(cli.out).toMatch(/✓ .*: 40 events intact/);
  });

  const tampering: Array<[string, (ls: string[]) => string[], string, number?]> = [
    ["content changed", (ls) => ls.map((l, i) => (i === 9 ? l.replace('"i":9', '"i":99') : l)), "modified", 10],
    ["envelope changed", (ls) => ls.map((l, i) => (i === 4 ? l.replace('"level":"info"', '"level":"debug"') : l)), "modified", 5],
    ["an event deleted", (ls) => ls.filter((_, i) => i !== 14), "deleted", 15],
    ["an event inserted", (ls) => [...ls.slice(0, 20), ls[5]!, ...ls.slice(20)], "inserted", 21],
    ["two events swapped", (ls) => [...ls.slice(0, 6), ls[7]!, ls[6]!, ...ls.slice(8)], "deleted", 7],
    ["the tail truncated", (ls) => ls.slice(0, 33), "truncated"],
  ];
  it.each(tampering)("names the tampering: %s", async (_name, tamper, kind, line) => {
    const original = await makeTrail();
    const { dir, file } = copy(original.dir);
    write(file, tamper(lines(file)));
    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report.ok).toBe(false);
    expect(kinds(report)).toContain(kind);
    if (line) expect(report.problems.find((p) => p.kind === kind)!.line).toBe(line);
    const cli = await run(["verify", "--dir", dir, "--public-key", writeKey()]);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`✗ ${kind}`);
  });

  it("detects a wholesale replacement (a re-computed chain) and forged checkpoints", async () => {
    const original = await makeTrail();
    // Rewrite every event's content and re-seal the whole chain consistently: hashes all check out…
    const { dir, file } = copy(original.dir);
    let prev = GENESIS;
    const forged = lines(file).map((l) => {
      const e = JSON.parse(l) as AuditEvent;
      e.data = { ...e.data, note: "rewritten" };
      e.content_hash = contentHash(e.salt!, e);
      e.prev_hash = prev;
      e.hash = envelopeHash(e);
      prev = e.hash;
      return JSON.stringify(e);
    });
    write(file, forged);
    // …but not the signed checkpoints.
    expect(kinds(await verifyTrail(dir, { publicKey: keys.publicKey }))).toContain("replaced");

    const cpDir = copy(original.dir).dir;
    const cpFile = digestFile(cpDir, original.chain);
    write(cpFile, lines(cpFile).map((l, i) => (i === 1 ? l.replace('"seq":11', '"seq":25') : l)));
    expect(kinds(await verifyTrail(cpDir, { publicKey: keys.publicKey }))).toContain("forged_checkpoint");

    const other = generateKeyPairSync("ed25519").publicKey;
    const wrongKey = await verifyTrail(original.dir, { publicKey: other });
    // Checkpoints signed by a key nobody trusts here cover nothing.
    expect(kinds(wrongKey)).toContain("untrusted_key");
    expect(wrongKey.ok).toBe(false);
  });

  it("verifies an untouched trail of 100,000 events", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { signingKey: keys.privateKey, checkpointEvery: 10_000 } });
    for (let i = 0; i < 100_000; i++) trail.record({ type: "custom", name: "tick", data: { i } });
    await trail.shutdown();
    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report).toMatchObject({ ok: true, events: 100_000 });
    expect(report.chains[0]!.verified_to!.seq).toBe(100_000);
  }, 120_000);
});

describe("right to erasure", () => {
  it("tombstones a user's events everywhere on disk, and the chain still verifies", async () => {
    const dir = tempDir();
    const failing = { name: "dead", send: () => ({ ok: false as const, retryable: false, error: "HTTP 400" }), delivery: { lingerMs: 0 } };
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), failing], integrity: { signingKey: keys.privateKey }, onError: () => {} });
    for (let i = 0; i < 12; i++) trail.record({ type: "custom", trace_id: `trace-${i}`, user_id: i % 3 === 0 ? "user-alice" : "user-bob", data: { note: i % 3 === 0 ? `alice private note ${i}` : `bob note ${i}` } });
    await trail.flush({ timeoutMs: 2_000 }); // dead-letters every event: they sit in a second file now
    const sizes = () => readdirSync(dir).filter((f) => f.endsWith(".jsonl")).map((f) => statSync(join(dir, f)).size);
    const before = sizes();

    const result = await trail.eraseUser("user-alice", { actor: "dpo@company", reason: "GDPR Art. 17 request #42" });
    expect(result.events).toBe(8); // 4 in the trail, 4 in the dead-letter file
    expect(result.forwarded.dead).toMatch(/^manual: delete traces/);
    expect(sizes()).toEqual(before); // lines rewritten in place: delivery cursors stay valid

    const everything = allBytes(dir);
    expect(everything).not.toContain("alice private note");
    expect(everything).not.toContain("user-alice");
    expect(everything).toContain("bob note 1");

    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report.ok).toBe(true);
    expect(report.erasures).toHaveLength(4);
    expect(report.erasures[0]).toMatchObject({ by: "dpo@company", reason: expect.stringMatching(/^GDPR Art\. 17/) }); // shortened to fit the line; the access log has it whole
    trail.record({ type: "custom", data: { after: true } }); // the writer keeps appending to the same file
    await trail.shutdown({ timeoutMs: 100 });
    expect((await verifyTrail(dir, { publicKey: keys.publicKey })).ok).toBe(true);

    writeKeyFile();
    const cli = await run(["erase", "--yes", "--dir", dir, "--user", "user-bob", "--actor", "dpo@company", "--reason", "request #43 from bob@example.com", "--key-file", keyFilePath]);
    expect(cli.code).toBe(0);
    expect(allBytes(dir)).not.toContain("bob note");
    expect(allBytes(dir)).not.toContain("bob@example.com"); // the reason is redacted everywhere it is stored
    const after = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(after.ok).toBe(true);
    expect(after.erasures).toHaveLength(12); // all of alice's and bob's, each under its signed record
  });

  it("a tombstone is legitimate only under a signed erasure record naming exactly that event", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: keys.privateKey } });
    for (let i = 0; i < 6; i++) trail.record({ type: "custom", user_id: i < 3 ? "u-1" : "u-2", data: { i, note: `secret ${i}` } });
    await trail.eraseUser("u-1", { actor: "dpo", reason: "request" });
    await trail.shutdown();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
    expect((await verifyTrail(dir, { publicKey: keys.publicKey })).ok).toBe(true);
    const pristine = readFileSync(file, "utf8");
    const edit = (seq: number, change: (e: Record<string, unknown>) => void) => {
      const lines = pristine.split("\n").map((l) => {
        if (!l.trim()) return l;
        const e = JSON.parse(l) as Record<string, unknown>;
        if (e.seq !== seq) return l;
        change(e);
        return JSON.stringify(e);
      });
      writeFileSync(file, lines.join("\n"));
    };
    const kindsAfter = async () => kinds(await verifyTrail(dir, { publicKey: keys.publicKey }));
    // A fake erasure: content deleted, a marker added, no erasure ever run for this event.
    edit(5, (e) => {
      for (const f of ["user_id", "data", "salt"]) delete e[f];
      e.data = {};
      e.erased = { at: new Date().toISOString(), by: "dpo", reason: "request" };
    });
    expect(await kindsAfter()).toEqual(["forged_erasure"]);
    // Forged content behind a real tombstone (user_id and data put back with other values).
    edit(1, (e) => {
      e.user_id = "u-9";
      e.data = { note: "forged" };
    });
    expect(await kindsAfter()).toEqual(["forged_erasure"]);
    // A record whose signature does not verify (signed with another key) covers nothing.
    writeFileSync(file, pristine);
    const digest = join(dir, ".digests", `${trail.chainId}.jsonl`);
    const records = readFileSync(digest, "utf8");
    const other = generateKeyPairSync("ed25519").privateKey;
    const forgedRecord = signErasure(other, { chain_id: trail.chainId, events: [{ seq: 4, content_hash: JSON.parse(pristine.split("\n")[3]!).content_hash }], at: new Date().toISOString(), by: "attacker" });
    writeFileSync(digest, records + JSON.stringify(forgedRecord) + "\n");
    edit(4, (e) => {
      for (const f of ["user_id", "data", "salt"]) delete e[f];
      e.data = {};
      e.erased = { at: new Date().toISOString(), by: "attacker" };
    });
    expect(await kindsAfter()).toEqual(expect.arrayContaining(["forged_erasure"]));
  });
});

describe("retention", () => {
  it("purges expired segments with a signed record, and verify tells purge from tampering", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: keys.privateKey } });
    const old = Date.now() - 120 * 86_400_000;
    for (let i = 0; i < 5; i++) trail.emit({ level: "info", type: "custom", data: { old: i }, time: old + i });
    for (let i = 0; i < 5; i++) trail.record({ type: "custom", data: { recent: i } });
    await trail.shutdown();
    expect(readdirSync(dir).filter((f) => f.endsWith(".jsonl"))).toHaveLength(2);

    writeKeyFile();
    const purge = await run(["purge", "--yes", "--dir", dir, "--older-than", "90d", "--key-file", keyFilePath]);
    expect(purge.code).toBe(0);
    expect(purge.out).toMatch(/Purged 1 segment, 5 events/);
    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report.ok).toBe(true);
    expect(report.chains[0]!.purged).toEqual([expect.objectContaining({ first_seq: 1, last_seq: 5 })]);
    expect(report.chains[0]).toMatchObject({ first_seq: 6, last_seq: 10 });
  });
});

describe("access log, permissions, keys", () => {
  it("records every read in its own chained log, and refuses a trail opened up to other users", async () => {
    const { dir } = await makeTrail(4);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".jsonl"))) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    await run(["sessions", "--dir", dir, "--actor", "auditor-1"]);
    await run(["verify", "--dir", dir, "--actor", "auditor-1"]);
    const log = lines(accessLogFile(dir)).map((l) => JSON.parse(l));
    expect(log.map((r) => [r.actor, r.action])).toEqual([
      ["auditor-1", "sessions"],
      ["auditor-1", "verify"],
    ]);
    expect(verifyAccessLog(dir)).toEqual({ records: 2 });
    writeFileSync(accessLogFile(dir), readFileSync(accessLogFile(dir), "utf8").replace("auditor-1", "someone-else"));
    expect(verifyAccessLog(dir).brokenAt).toBe(1);

    chmodSync(dir, 0o755);
    const refused = await run(["sessions", "--dir", dir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/readable by other users.*--allow-insecure-permissions/);
    expect((await run(["sessions", "--dir", dir, "--allow-insecure-permissions"])).code).toBe(0);
  });

  it("never keeps the signing key in the trail directory", async () => {
    const dir = tempDir();
    expect(() => createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { keyFile: join(dir, "k.pem") } })).toThrow(/inside the trail directory/);
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
    trail.record({ type: "custom", data: {} });
    // Shut down before the directory is removed: left open, the trail's exit flush recreated it.
    await trail.shutdown();
    expect(allBytes(dir)).not.toContain("PRIVATE KEY");
    expect(readFileSync(publicKeyFile(dir), "utf8")).toContain("PUBLIC KEY");
  });
});

describe("encryption at rest", () => {
  it("stores content encrypted, verifies without the key, reads back only with it", async () => {
    const key = randomBytes(32);
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], encryption: { key }, integrity: { signingKey: keys.privateKey } });
    trail.record({ type: "custom", user_id: "u-9", data: { diagnosis: "confidential-diagnosis-text" } });
    await trail.shutdown();
    expect(allBytes(dir)).not.toContain("confidential-diagnosis-text");
    expect(allBytes(dir)).not.toContain("u-9");
    expect((await verifyTrail(dir, { publicKey: keys.publicKey })).ok).toBe(true);
    const stored = JSON.parse(lines(join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!))[0]!) as AuditEvent;
    expect(decryptEvent(stored, key)).toMatchObject({ user_id: "u-9", data: { diagnosis: "confidential-diagnosis-text" } });
    expect(() => decryptEvent(stored, randomBytes(32))).toThrow();
  });
});

// ---- helpers --------------------------------------------------------------------------------------
function allBytes(dir: string): string {
  let out = "";
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out += readFileSync(join(entry.parentPath, entry.name), "latin1");
  }
  return out;
}
let keyPem: string | undefined;
function writeKey(): string {
  const file = join(tempDir(), "public.pem");
  keyPem ??= keys.publicKey.export({ type: "spki", format: "pem" }) as string;
  writeFileSync(file, keyPem);
  return file;
}
const keyFilePath = join(tempDir(), "signing-key.pem");
function writeKeyFile() {
  writeFileSync(keyFilePath, keys.privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600 });
}

describe("Merkle checkpoints", () => {
  it("each checkpoint carries the RFC 6962 root of the chain's event hashes as a C2SP tlog-checkpoint note", async () => {
    const { openNote, verifierKey, parseVerifierKey } = await import("../../src/integrity/signed-note.js");
    const { eventLeaf, rootOf } = await import("../../src/integrity/merkle.js");
    const { dir, file, chain } = await makeTrail(25);
    const events = lines(file).map((l) => JSON.parse(l) as AuditEvent);
    const cps = lines(digestFile(dir, chain)).map((l) => JSON.parse(l) as { seq: number; tree_size: number; root: string; note: string });
    const origin = `agent-audit-trail/${chain}`;
    const vkey = parseVerifierKey(verifierKey(origin, keys.publicKey));
    for (const cp of cps) {
      expect(cp.tree_size).toBe(cp.seq);
      expect(cp.root).toBe(rootOf(events.slice(0, cp.seq).map((e) => eventLeaf(e.hash!))).toString("base64"));
      expect(openNote(cp.note, [vkey]).text).toBe(`${origin}\n${cp.seq}\n${cp.root}\n`);
    }
    expect((await verifyTrail(dir, { publicKey: keys.publicKey })).ok).toBe(true);
  });

  it("a checkpoint whose note or root was edited is forged", async () => {
    const { dir, chain } = await makeTrail(15);
    const file = digestFile(dir, chain);
    write(file, lines(file).map((l, i) => (i === 1 ? l.replace(/"root":"[^"]+"/, `"root":"${Buffer.alloc(32).toString("base64")}"`) : l)));
    expect(kinds(await verifyTrail(dir, { publicKey: keys.publicKey }))).toContain("forged_checkpoint");
  });
});
