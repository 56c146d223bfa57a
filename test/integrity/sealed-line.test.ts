// One serialization per event: the line the JSONL sink writes is the canonical text the seal
// hashed. These check that the line is the whole event (nothing lost, nothing added), that a reader
// re-canonicalizing what it parsed gets the hashed bytes back, and that a line edited in any way
// no longer verifies, for hostile strings (escapes, lone surrogates, U+2028, `__proto__`) as well.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { memorySink } from "../../src/sinks/memory.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import { contentHash, envelopeHash, Sealer } from "../../src/integrity/seal.js";
import { lineOf, SEALED_LINE } from "../../src/format/trail-format.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";

const keys = generateKeyPairSync("ed25519");

const hostile: Array<Record<string, unknown>> = [
  { plain: "hello", n: 1, f: -0.5, big: 1e21, tiny: 5e-324, t: true, nil: null },
  { "quote\"and\\backslash": "line\nbreak\ttab\u0000nul", sep: "a\u2028b\u2029c" },
  { lone: "\ud800 and \udfff", pair: "😀", bmp: "é日本" },
  { ["__proto__"]: { polluted: true }, constructor: "x", toString: "y" },
  { z: 1, a: { y: [3, { b: 2, a: 1 }], x: [] }, m: {} },
  { deep: { a: { b: { c: { d: { e: "f" } } } } } },
  // Large content: hashed and written from one UTF-8 encoding (multi-byte characters on both sides
  // of where the line's head ends).
  { big: "日本😀é\"\n".repeat(4000), after: ["x".repeat(20_000), { k: "\ud800" }] },
];

describe("the sealed line", () => {
  it("parses to exactly the sealed event, and hashing what was parsed gives the stored hashes", () => {
    const sealer = new Sealer();
    for (const data of hostile) {
      const event = { schema_version: "1", id: "01a2", ts: "2026-12-07T00:00:00.000Z", seq: 1, level: "info", type: "custom", name: "n\u2028", session_id: "s", tags: ["t"], metadata: { k: "v" }, data: JSON.parse(JSON.stringify(data)), chain_id: "c" } as unknown as AuditEvent;
      sealer.seal(event);
      const line = lineOf(event);
      expect(String((event as { [SEALED_LINE]?: string | Buffer })[SEALED_LINE])).toBe(line);
      expect(line).not.toContain("\n");
      const parsed = JSON.parse(line) as AuditEvent;
      // The same event as JSON.stringify would have written, whatever the key order.
      expect(parsed).toEqual(JSON.parse(JSON.stringify(event)));
      expect(Object.keys(parsed).sort()).toEqual(Object.keys(JSON.parse(JSON.stringify(event))).sort());
      expect(contentHash(parsed.salt!, parsed)).toBe(event.content_hash);
      expect(envelopeHash(parsed)).toBe(event.hash);
    }
  });

  it("is what the JSONL sink writes; the trail verifies, and any one-character edit of a line is caught", async () => {
    const dir = tempDir();
    const seen = memorySink();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), seen], integrity: { signingKey: keys.privateKey } });
    for (const data of hostile) trail.record({ type: "custom", name: "hostile", data });
    await trail.shutdown();
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
    const original = readFileSync(file, "utf8");
    const lines = original.split("\n").filter(Boolean);
    expect(lines).toEqual(seen.events.map((e) => lineOf(e)));
    expect((await verifyTrail(dir)).problems).toEqual([]);

    // Edit each line's data: change one character inside a value that survives parsing.
    for (let i = 0; i < lines.length; i++) {
      const edited = lines.map((l, k) => (k === i ? l.replace('"hostile"', '"hostilE"') : l));
      writeFileSync(file, edited.join("\n") + "\n");
      const kinds = (await verifyTrail(dir)).problems.map((p) => p.kind);
      expect(kinds, `line ${i + 1}`).toContain("modified");
    }
    writeFileSync(file, original);
    expect((await verifyTrail(dir)).problems).toEqual([]);
  });

  it("an encrypted trail writes the sealed ciphertext line, and verifies without the key", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { signingKey: keys.privateKey }, encryption: { key: Buffer.alloc(32, 7) } });
    for (const data of hostile) trail.record({ type: "custom", name: "secret name", data });
    await trail.shutdown();
    const text = readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!), "utf8");
    expect(text).not.toContain("secret name");
    expect(text).toContain('"enc":');
    expect((await verifyTrail(dir)).problems).toEqual([]);
  });
});
