// Dead writers' chains taken over by the next trail (adopted), at flush and shutdown: the kill -9
// fault suite's last process. A flush must not wait out its whole deadline for an adopted chain
// that was already delivered (running out of time stops every other deliverer), and a flush or
// shutdown that leaves an adopted chain undelivered must not say `complete`.
import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createAuditTrail, type AuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import type { SendResult, Sink } from "../../src/sinks/types.js";
import { Deliverer } from "../../src/pipeline/delivery.js";
import { SpoolSource } from "../../src/pipeline/sources.js";
import { tempDir } from "../helpers.js";

const FAST = { initialBackoffMs: 5, maxBackoffMs: 20, lingerMs: 0 };

/** A remote sink in this process: records what it accepts; `answer` decides each batch. */
function collector(answer: () => SendResult = () => ({ ok: true })) {
  const ids: string[] = [];
  const sink: Sink = {
    name: "collector",
    kind: "remote",
    send: async (batch) => {
      const result = answer();
      if (result.ok) ids.push(...batch.map((e) => e.id));
      return result;
    },
  };
  return { sink, ids };
}

/** A dead writer's chain of `count` whole events; its cursor for `sink` at the start or at the end. */
function deadChain(dir: string, n: number, count: number, sink: string, delivered: boolean): string[] {
  const chain = `01900000-0000-7000-8000-${String(n).padStart(12, "0")}`;
  const ids = Array.from({ length: count }, (_, i) => `01900000-0000-7000-9${String(n).padStart(3, "0")}-${String(i + 1).padStart(12, "0")}`);
  const lines = ids.map((id, i) => JSON.stringify({ schema_version: "1", id, ts: "2026-11-27T10:00:00.000Z", seq: i + 1, level: "info", type: "custom", data: {}, chain_id: chain }));
  const segment = `2026-11-27.${chain}.jsonl`;
  const text = lines.join("\n") + "\n";
  writeFileSync(join(dir, segment), text);
  mkdirSync(join(dir, ".delivery", sink), { recursive: true });
  const cursor = delivered ? { segment, offset: Buffer.byteLength(text), delivered: count } : { offset: 0, delivered: 0 };
  writeFileSync(join(dir, ".delivery", sink, `${chain}.cursor.json`), JSON.stringify({ ...cursor, dead_lettered: 0, dropped: 0, updated: "" }));
  return ids;
}

/** Resolves once `file` is gone (an adopted chain's lock is released when it is read to its end). */
async function gone(file: string): Promise<void> {
  for (let i = 0; i < 200 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 10));
  expect(existsSync(file)).toBe(false);
}

let trails: AuditTrail[] = [];
afterEach(async () => {
  await Promise.all(trails.map((t) => t.shutdown({ timeoutMs: 50 })));
  trails = [];
});

describe("adopted chains at flush and shutdown", () => {
  it("a deliverer whose dead chain is read to its end drains at once, instead of waiting out the timeout", async () => {
    const dir = tempDir();
    const chain = "01900000-0000-7000-8000-000000000001";
    deadChain(dir, 1, 3, "collector", true);
    const { sink } = collector();
    const counters = { delivered: 0, dead_lettered: 0, dropped: 0, retries: 0 };
    const hooks = { counters, reportError: () => {}, deadLetter: async () => {}, recordDropped: () => {}, sanitize: (t: string) => t };
    let finished = false;
    const source = new SpoolSource(dir, "collector", chain, true, 1024 ** 3);
    const d = new Deliverer(sink, "collector", chain, source, { batchSize: 10, batchBytes: 1 << 20, timeoutMs: 1_000, ...FAST, lingerMs: 0 }, hooks, () => (finished = true)).start();
    for (let i = 0; i < 200 && !finished; i++) await new Promise((r) => setTimeout(r, 5));
    expect(finished).toBe(true);
    const started = Date.now();
    expect(await d.drain(3_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(d.finished).toBe(true);
  });

  it("a flush after an adopted chain finished returns as soon as the others are delivered, complete and in time", async () => {
    const dir = tempDir();
    deadChain(dir, 1, 3, "collector", true); // delivered before the last process died
    const waiting = deadChain(dir, 2, 5, "collector", false);
    let up = false;
    const { sink, ids } = collector(() => (up ? { ok: true } : { ok: false, retryable: true, error: "HTTP 503" }));
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), sink], delivery: FAST, onError: () => {} });
    trails.push(trail);
    // The delivered chain's deliverer reads to its end and releases its lock before anyone flushes.
    await gone(join(dir, ".delivery", "collector", "01900000-0000-7000-8000-000000000001.adopt"));
    up = true;
    const started = Date.now();
    const result = await trail.flush({ timeoutMs: 5_000 });
    expect(result).toEqual({ complete: true, pending: { collector: 0 } });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(ids).toEqual(expect.arrayContaining(waiting));
  });

  it("a shutdown that runs out of time with an adopted chain undelivered says so: not complete, pending", async () => {
    const dir = tempDir();
    const waiting = deadChain(dir, 2, 5, "collector", false);
    const { sink, ids } = collector(() => ({ ok: false, retryable: true, error: "HTTP 503" }));
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), sink], delivery: FAST, onError: () => {} });
    trails.push(trail);
    const result = await trail.shutdown({ timeoutMs: 300 });
    expect(result.complete).toBe(false);
    expect(result.pending.collector).toBeGreaterThanOrEqual(1);
    expect(result.timed_out).toBe(true);
    expect(ids).toEqual([]);
    // Nothing was acknowledged: the next trail on the directory starts the chain from the top.
    const cursor = JSON.parse(readFileSync(join(dir, ".delivery", "collector", "01900000-0000-7000-8000-000000000002.cursor.json"), "utf8"));
    expect(cursor.offset).toBe(0);
    expect(waiting).toHaveLength(5);
  });
});
