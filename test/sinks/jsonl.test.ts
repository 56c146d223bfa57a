import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, appendFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { segmentName } from "../../src/format/trail-format.js";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { readTrail, listSessions, type BadLine } from "../../src/store/jsonl.js";
import { expectValidEvents, tempDir } from "../helpers.js";
import type { AuditEvent } from "../../src/events/schema.js";

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);

describe("jsonlSink", () => {
  it("appends one valid event per line, in a daily segment per writer chain", async () => {
    const dir = tempDir();
    const sink = jsonlSink({ dir });
    const trail = createAuditTrail({ sinks: [sink] });
    trail.record({ type: "input", data: { content: "hi" }, session_id: "s" });
    trail.record({ type: "output", data: { content: "bye" }, session_id: "s" });
    // Written synchronously: readable before any flush.
    const file = sink.currentFile!;
    expect(file.endsWith(`.${trail.chainId}.jsonl`)).toBe(true);
    const written = lines(file);
    expect(written.map((e) => e.type)).toEqual(["input", "output"]);
    expect(written.map((e) => e.seq)).toEqual([1, 2]);
    expectValidEvents(written);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await trail.shutdown();
  });

  it("rolls to a new segment when the UTC day changes", () => {
    const dir = tempDir();
    const sink = jsonlSink({ dir });
    const base = { schema_version: "1", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01a21c72-18ef-747f-bdbd-703dbfb46452" } as const;
    const e1 = { ...base, id: "01a21c72-0000-7000-8000-000000000001", ts: "2026-11-27T23:59:59.999Z" } as AuditEvent;
    const e2 = { ...base, id: "01a21c72-0000-7000-8000-000000000002", ts: "2026-11-28T00:00:00.000Z", seq: 2 } as AuditEvent;
    expect(sink.send([e1, e2])).toEqual({ ok: true });
    expect(readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort()).toEqual([segmentName(e1), segmentName(e2)]);
    sink.close?.();
  });

  it("fsync: 'always' and an interval both work; bad values fail at construction", async () => {
    for (const fsync of ["always", 20] as const) {
      const dir = tempDir();
      const trail = createAuditTrail({ sinks: [jsonlSink({ dir, fsync })] });
      trail.record({ type: "custom" });
      await trail.shutdown();
      expect(readdirSync(dir).filter((f) => f.endsWith(".jsonl"))).toHaveLength(1);
    }
    expect(() => jsonlSink({ fsync: "sometimes" as never })).toThrow(/fsync.*Fix: use "never"/s);
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");
    expect(() => jsonlSink({ dir: file })).toThrow(/is not a directory/);
  });

  it("reports a write failure as a retryable result instead of throwing", () => {
    const dir = tempDir();
    const sink = jsonlSink({ dir: join(dir, "sub") });
    writeFileSync(join(dir, "sub"), "a file where the directory should be");
    const result = sink.send([{ schema_version: "1", id: "01a21c72-0000-7000-8000-000000000001", ts: "2026-11-27T00:00:00.000Z", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01a21c72-18ef-747f-bdbd-703dbfb46452" }]);
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it("loses nothing already recorded when the process is killed with SIGKILL", async () => {
    const dir = tempDir();
    const script = fileURLToPath(new URL("../fixtures/record-then-hang.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", script, dir, "500"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => d.toString().includes("recorded") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const events: AuditEvent[] = [];
    for await (const e of readTrail(dir)) events.push(e);
    expect(events).toHaveLength(500);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });
});

describe("reading a trail back", () => {
  it("skips a torn last line without losing the lines before it", async () => {
    const dir = tempDir();
    const sink = jsonlSink({ dir });
    const trail = createAuditTrail({ sinks: [sink] });
    trail.record({ type: "output", session_id: "s", data: { content: "a", llm_calls: 1, usage: { total_tokens: 5 } } });
    trail.record({ type: "output", session_id: "s", data: { content: "b" } });
    await trail.shutdown();
    appendFileSync(sink.currentFile!, '{"schema_version":"1","id":"01a2');
    const bad: BadLine[] = [];
    const events: AuditEvent[] = [];
    for await (const e of readTrail(dir, { onBadLine: (b) => bad.push(b) })) events.push(e);
    expect(events.map((e) => e.data.content)).toEqual(["a", "b"]);
    expect(bad).toEqual([{ file: sink.currentFile, line: 3, reason: "not valid JSON (torn or corrupted line)" }]);
    const sessions = await listSessions(dir);
    expect(sessions).toMatchObject([{ session_id: "s", invocations: 2, llm_calls: 1, total_tokens: 5, events: 2 }]);
  });
});

describe("jsonlSink under time and durability settings", () => {
  const event = (seq: number, ts: string): AuditEvent => ({ schema_version: "1", id: `01900000-0000-7000-8000-${String(seq).padStart(12, "0")}`, ts, seq, level: "info", type: "custom", data: {}, chain_id: "01900000-0000-7000-8000-00000000c10c" }) as AuditEvent;

  it("a clock stepped back across midnight does not reopen yesterday's segment: the chain stays in order", () => {
    const dir = tempDir();
    const sink = jsonlSink({ dir });
    sink.send([event(1, "2026-12-02T00:00:01.000Z")]);
    sink.send([event(2, "2026-12-01T23:59:59.000Z"), event(3, "2026-12-02T00:00:02.000Z")]);
    sink.close?.();
    const files = readdirSync(dir).filter((n) => n.endsWith(".jsonl"));
    expect(files).toEqual(["2026-12-02.01900000-0000-7000-8000-00000000c10c.jsonl"]);
    expect(lines(join(dir, files[0]!)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("fsync: <ms> really syncs on that interval", async () => {
    const fs = await import("node:fs");
    const { syncBuiltinESMExports } = await import("node:module");
    const real = fs.default.fsyncSync;
    let syncs = 0;
    fs.default.fsyncSync = (fd: number) => {
      syncs++;
      return real(fd);
    };
    syncBuiltinESMExports();
    try {
      const sink = jsonlSink({ dir: tempDir(), fsync: 20 });
      sink.send([event(1, new Date().toISOString())]);
      await new Promise((r) => setTimeout(r, 150));
      expect(syncs).toBeGreaterThan(0);
      sink.close?.();
    } finally {
      fs.default.fsyncSync = real;
      syncBuiltinESMExports();
    }
  });
});
