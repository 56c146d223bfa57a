// The columnar index must answer every question exactly as the streaming scan does, on a trail with
// several days, several chains, errors, an erased user and an open (today's) segment; it is derived
// data that erasure, purge and corruption cannot turn into a wrong or leaking answer.
import { beforeAll, describe, expect, it } from "vitest";
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createAuditTrail, type AuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { listSessions } from "../../src/store/jsonl.js";
import { IndexedStore } from "../../src/index/indexed-store.js";
import { sessionsPage } from "../../src/serve/sessions.js";
import { statsReport } from "../../src/store/stats-report.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import { purgeOlderThan } from "../../src/integrity/retention.js";
import type { AuditStore, EventFilter } from "../../src/store/types.js";
import { ROLLUP_KINDS, indexDir, readManifest } from "../../src/format/index-files.js";
import { listSegments } from "../../src/format/trail-format.js";
import { fallbacks } from "../../src/index/engine.js";
import { tempDir } from "../helpers.js";

const DAY = 86_400_000;
const T0 = Date.parse("2026-11-01T00:00:00.000Z");
const SECRET = "zebra-unicorn-7731"; // the erased user's content: must vanish from .index/

function writeHistory(trail: AuditTrail, chain: number) {
  for (let day = 0; day < 3; day++) {
    for (let run = 0; run < 8; run++) {
      const user = ["alice", "bob", "carol", "mallory"][(run + chain) % 4]!;
      const trace = `00000000-0000-4000-8000-${String(chain * 10000 + day * 100 + run).padStart(12, "0")}`;
      const base = { session_id: `s-${day}-${run % 3}`, user_id: user, trace_id: trace };
      const t = T0 + day * DAY + run * 3_600_000 + chain * 7;
      const content = user === "mallory" ? `secret ${SECRET} question` : user === "bob" ? `bob-marker question ${chain}.${day}.${run}` : `question ${chain}.${day}.${run}`;
      trail.emit({ ...base, level: "info", type: "input", data: { content }, time: t });
      trail.emit({ ...base, level: "debug", type: "llm_end", name: "llm", data: { model: run % 3 ? "gpt-4o-mini" : "claude-sonnet-4", usage: { input_tokens: 100 + run, output_tokens: 20 + day, total_tokens: 120 + run + day }, cost: 0.001 * (run + 1) + 0.0000003 * chain }, duration_ms: 500 + run, time: t + 10 });
      const failed = run % 4 === 3;
      trail.emit({ ...base, level: failed ? "error" : "info", type: failed ? "tool_error" : "tool_end", name: run % 2 ? "search" : "book", data: { tool: run % 2 ? "search" : "book", ...(failed ? { error: { type: "Timeout" } } : {}) }, duration_ms: 100 * (run + 1) + day * 3 + chain, status: failed ? "error" : "ok", time: t + 20 });
      trail.emit({ ...base, level: failed ? "error" : "info", type: "output", data: { content: "answer", llm_calls: 1, tool_calls: 1, ...(failed ? { propagated: true } : {}) }, duration_ms: 900, status: failed ? "error" : "ok", time: t + 30 });
    }
  }
  // Today's open segment: never compacted, always scanned.
  trail.emit({ level: "warn", type: "custom", session_id: "s-today", user_id: "dave", data: { note: "open segment" } });
  trail.emit({ level: "info", type: "input", data: { content: "no session here" } });
}

/** Every line the index's parts hold, decoded. */
async function decodedIndex(dir: string): Promise<string> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    // Every file, parts and session rollups alike, every column as text.
    const files = readdirSync(indexDir(dir)).filter((f) => f.endsWith(".parquet"));
    const texts: string[] = [];
    for (const f of files) {
      const r = await conn.runAndReadAll(`SELECT string_agg(CAST(t AS VARCHAR), '\n') FROM read_parquet('${join(indexDir(dir), f)}') AS t`);
      texts.push(String(r.getRows()[0]![0] ?? ""));
    }
    return texts.join("\n");
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const filters: EventFilter[] = [{}, { userId: "bob" }, { sessionId: "s-1-2" }, { since: new Date(T0 + DAY), until: new Date(T0 + 2 * DAY + 5 * 3_600_000) }, { types: ["tool_error", "output"] }, { levels: ["error"] }];

/** Every question, asked of `store`; an index must answer them itself unless told it may fall back. */
async function answers(store: AuditStore, { mayFallBack = false } = {}) {
  const fellBackBefore = fallbacks();
  const out: unknown[] = [];
  for (const f of filters) {
    const ordered = [];
    for await (const e of store.events(f)) ordered.push(e);
    const unordered = [];
    for await (const e of store.events(f, { ordered: false })) unordered.push(e);
    out.push(ordered, unordered, await statsReport(store, f), await store.volume(f, { factor: 2, minEvents: 3 }));
  }
  if (store instanceof IndexedStore) {
    const bad: unknown[] = [];
    out.push(await store.listSessions({ onBadLine: (b) => bad.push(b) }), bad);
  } else {
    const bad: unknown[] = [];
    out.push(await listSessions((store as JsonlStore).dir, { onBadLine: (b) => bad.push(b) }), bad);
  }
  // The viewer's list: the index answers with its own two-step SQL, the scan with its tally.
  for (const f of [{}, { userId: "alice" }, { text: "QUESTION 1.2" }, { errorsOnly: true }]) out.push(await sessionsPage(store, f, 1000));
  if (store instanceof IndexedStore && !mayFallBack) expect(fallbacks(), "the index fell back to the scan").toBe(fellBackBefore);
  return JSON.stringify(out);
}

describe("the columnar index", () => {
  let dir: string;
  const keys = generateKeyPairSync("ed25519");

  beforeAll(async () => {
    dir = tempDir();
    for (const chain of [1, 2]) {
      const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { signingKey: keys.privateKey } });
      writeHistory(trail, chain);
      await trail.shutdown();
    }
    const eraser = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { signingKey: keys.privateKey } });
    await eraser.eraseUser("mallory", { reason: "GDPR request" });
    await eraser.shutdown();
  });

  it("gives the streaming scan's answers to every question, compacting closed segments only", async () => {
    const scan = await answers(new JsonlStore(dir));
    const indexed = new IndexedStore(dir);
    try {
      expect(await answers(indexed)).toEqual(scan);
    } finally {
      await indexed.close();
    }
    const closed = listSegments(dir).filter((s) => !s.includes(new Date().toISOString().slice(0, 10)));
    expect(Object.keys(readManifest(dir).segments).sort()).toEqual(closed.map((s) => s.split("/").pop()).sort());
    expect(closed.length).toBeGreaterThanOrEqual(6);
    // Again from the parts written the first time.
    const again = new IndexedStore(dir);
    try {
      expect(await answers(again)).toEqual(scan);
    } finally {
      await again.close();
    }
  });

  it("holds no content of an erased user, and erasing later drops the affected parts", async () => {
    // Parts are zstd-compressed: the raw bytes are grepped, and so is every decoded line.
    const rawHas = (text: string) => readdirSync(indexDir(dir)).some((f) => readFileSync(join(indexDir(dir), f)).includes(text));
    const store = new IndexedStore(dir);
    await store.toolStats();
    await store.close();
    expect(rawHas(SECRET)).toBe(false);
    expect(await decodedIndex(dir)).not.toContain(SECRET);
    // Now a user whose content is already in the index is erased: the parts go in the same operation.
    expect(await decodedIndex(dir)).toContain("bob-marker");
    const before = readManifest(dir);
    const eraser = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { signingKey: keys.privateKey } });
    const report = await eraser.eraseUser("bob");
    await eraser.shutdown();
    const after = readManifest(dir);
    expect(rawHas("bob-marker")).toBe(false);
    expect(await decodedIndex(dir)).not.toContain("bob-marker");
    for (const f of report.files) expect(after.segments[f]).toBeUndefined();
    expect(Object.keys(after.segments).length).toBeLessThan(Object.keys(before.segments).length);
    const scan = await answers(new JsonlStore(dir));
    const indexed = new IndexedStore(dir);
    try {
      expect(await answers(indexed)).toEqual(scan);
      const bobs = [];
      for await (const e of indexed.events({ userId: "bob" })) bobs.push(e);
      expect(bobs.every((e) => e.erased && Object.keys(e.data).length === 0)).toBe(true);
    } finally {
      await indexed.close();
    }
  });

  it("is never read by verify, and a corrupt part is noticed: the answer falls back to the scan", async () => {
    const parts = readdirSync(indexDir(dir)).filter((f) => f.endsWith(".parquet"));
    for (const p of parts) writeFileSync(join(indexDir(dir), p), randomBytes(4096));
    const report = await verifyTrail(dir, { publicKey: keys.publicKey });
    expect(report.ok).toBe(true);
    const scan = await answers(new JsonlStore(dir));
    const indexed = new IndexedStore(dir);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await answers(indexed, { mayFallBack: true })).toEqual(scan);
    } finally {
      process.stderr.write = write;
      await indexed.close();
    }
    expect(errors.join("")).toMatch(/columnar index not usable.*streaming scan/);
    // Deleting the index loses nothing: the next reader rebuilds it.
    rmSync(indexDir(dir), { recursive: true });
    const rebuilt = new IndexedStore(dir);
    try {
      expect(await answers(rebuilt)).toEqual(scan);
    } finally {
      await rebuilt.close();
    }
    expect(existsSync(indexDir(dir))).toBe(true);
  });

  it("purge drops the parts of the segments it removes", async () => {
    const result = purgeOlderThan(dir, Date.now() - (T0 + DAY + 1), keys.privateKey);
    expect(result.segments.length).toBeGreaterThan(0);
    const m = readManifest(dir);
    for (const s of result.segments) {
      expect(m.segments[s]).toBeUndefined();
      expect(existsSync(join(indexDir(dir), `${s}.parquet`))).toBe(false);
      for (const kind of ROLLUP_KINDS) expect(existsSync(join(indexDir(dir), `${s}.${kind}.parquet`))).toBe(false);
    }
  });

  it("answers whole-trail stats from the rollups (a doctored one shows; removed, it is made again from the part)", async () => {
    const scan = await answers(new JsonlStore(dir));
    const facts = readdirSync(indexDir(dir)).filter((f) => f.endsWith(".facts.parquet"))[0]!;
    const file = join(indexDir(dir), facts);
    // Derived data is trusted like the parts are: doubling one segment's counts doubles them in the answer.
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    await conn.run(`COPY (SELECT * REPLACE (n * 2 AS n) FROM read_parquet('${file}')) TO '${file}.x' (FORMAT parquet)`);
    conn.closeSync();
    db.closeSync();
    renameSync(`${file}.x`, file);
    const doctored = new IndexedStore(dir);
    try {
      const total = (await doctored.errorRate()).reduce((n, d) => n + d.events, 0);
      const real = (await new JsonlStore(dir).errorRate()).reduce((n, d) => n + d.events, 0);
      expect(total).toBeGreaterThan(real);
      // A filtered question reads the events, not the rollups.
      expect(await doctored.errorRate({ userId: "alice" })).toEqual(await new JsonlStore(dir).errorRate({ userId: "alice" }));
    } finally {
      await doctored.close();
    }
    rmSync(file);
    const remade = new IndexedStore(dir);
    try {
      expect(await answers(remade)).toEqual(scan);
    } finally {
      await remade.close();
    }
    expect(existsSync(file)).toBe(true);
  });
});

describe("a trail with a torn line in a closed segment", () => {
  it("reports the same unreadable line through the index as the scan does, and the same answers", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    for (let i = 0; i < 30; i++) trail.emit({ level: "info", type: i % 3 ? "llm_end" : "output", session_id: `s${i % 5}`, user_id: i % 2 ? "u1" : "", data: { model: "m", usage: { total_tokens: i }, llm_calls: 1, errors: i % 4 }, time: T0 + i * 3_600_000 });
    await trail.shutdown();
    appendFileSync(listSegments(dir)[0]!, '{"id":"torn');
    const scan = await answers(new JsonlStore(dir));
    expect(scan).toContain("not valid JSON");
    const store = new IndexedStore(dir);
    try {
      expect(await answers(store)).toEqual(scan);
    } finally {
      await store.close();
    }
    expect(readManifest(dir).segments[listSegments(dir)[0]!.split("/").pop()!]?.bad).toHaveLength(1);
    // Lines ended by \r\n (written by hand): offsets drift, one session is then read from the stored lines.
    const seg = listSegments(dir)[0]!;
    writeFileSync(seg, readFileSync(seg, "utf8").replace(/\n/g, "\r\n"));
    const crlf = new IndexedStore(dir);
    try {
      expect(await answers(crlf)).toEqual(await answers(new JsonlStore(dir)));
      const one = [];
      for await (const e of crlf.events({ sessionId: "s1" })) one.push(e);
      expect(one.length).toBeGreaterThan(1);
    } finally {
      await crlf.close();
    }
  });
});

describe("a long-lived reader (the viewer)", () => {
  it("sees events written after its first answer, and a closed segment changed by hand is indexed again", async () => {
    const dir = tempDir();
    const first = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    for (let i = 0; i < 10; i++) first.emit({ level: "info", type: "tool_end", name: "a", session_id: "s", data: { tool: "a" }, duration_ms: i, time: T0 + i * 3_600_000 });
    await first.shutdown();
    const store = new IndexedStore(dir);
    try {
      expect((await store.toolStats())[0]!.calls).toBe(10);
      const second = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
      second.emit({ level: "info", type: "tool_end", name: "a", session_id: "s", data: { tool: "a" }, duration_ms: 99 }); // today: the tail
      await second.shutdown();
      expect((await store.toolStats())[0]!.calls).toBe(11);
      // A closed segment edited by hand: its manifest entry no longer matches, so it is read again.
      const closed = listSegments(dir)[0]!;
      const rowsBefore = readManifest(dir).segments[closed.split("/").pop()!]!.rows;
      appendFileSync(closed, readFileSync(closed, "utf8").split("\n")[0] + "\n");
      expect(JSON.stringify(await store.toolStats())).toBe(JSON.stringify(await new JsonlStore(dir).toolStats()));
      expect((await store.toolStats())[0]!.calls).toBe(12);
      expect(readManifest(dir).segments[closed.split("/").pop()!]!.rows).toBe(rowsBefore + 1);
    } finally {
      await store.close();
    }
  });
});

describe("an encrypted trail", () => {
  it("leaves no plaintext content in the index (only what is on disk, encrypted, is indexed)", async () => {
    const dir = tempDir();
    const key = randomBytes(32).toString("base64");
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, encryption: { key } });
    for (let i = 0; i < 5; i++) trail.emit({ level: "info", type: "input", session_id: "s", user_id: "u", data: { content: `plaintext ${SECRET}` }, time: T0 + i });
    await trail.shutdown();
    const store = new IndexedStore(dir);
    const scan = await answers(new JsonlStore(dir));
    try {
      expect(await answers(store)).toEqual(scan);
    } finally {
      await store.close();
    }
    const files = readdirSync(indexDir(dir));
    expect(files.some((f) => f.endsWith(".parquet"))).toBe(true);
    expect(files.some((f) => readFileSync(join(indexDir(dir), f)).includes("plaintext"))).toBe(false);
    const dump = await decodedIndex(dir);
    expect(dump).toContain('"enc"');
    expect(dump).not.toContain("plaintext");
  });
});
