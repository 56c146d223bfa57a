// Local sinks that fail or answer late: what waits is counted as pending, written in order once
// the sink works again, and what had to be given up is declared by one trail.gap record.
import { describe, expect, it } from "vitest";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { memorySink } from "../../src/sinks/memory.js";
import type { AuditEvent } from "../../src/events/schema.js";
import type { SendResult, Sink } from "../../src/sinks/types.js";

describe("local sinks that fail", () => {
  it("an asynchronous local sink that has not answered is pending, not complete", async () => {
    const never: Sink = { name: "slowdisk", kind: "local", send: () => new Promise<SendResult>(() => {}) };
    const trail = createAuditTrail({ sinks: [never], onError: () => {} });
    trail.record({ type: "custom", name: "a" });
    trail.record({ type: "custom", name: "b" });
    const flushed = await trail.flush({ timeoutMs: 200 });
    expect(flushed).toMatchObject({ complete: false, timed_out: true, pending: { slowdisk: 2 } });
  });

  it("a sink that fails then recovers gets every event, in order, and nothing is declared lost", () => {
    let up = false;
    const got: AuditEvent[] = [];
    const flaky: Sink = { name: "flaky", kind: "local", send: (batch) => (up ? (got.push(...batch), { ok: true }) : { ok: false, retryable: true, error: "EIO" }) };
    const trail = createAuditTrail({ sinks: [flaky, memorySink()], onError: () => {} });
    for (let i = 0; i < 5; i++) trail.record({ type: "custom", name: "e", data: { i } });
    expect(trail.stats().sinks.flaky).toMatchObject({ buffered: 5, write_failures: 5, delivered: 0 });
    up = true;
    trail.record({ type: "custom", name: "e", data: { i: 5 } });
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(trail.stats().sinks.flaky).toMatchObject({ buffered: 0, dropped: 0, delivered: 6 });
  });

  it("past maxBufferedBytes, the rest is given up as one range and declared by a trail.gap record", () => {
    let up = false;
    const got: AuditEvent[] = [];
    const flaky: Sink = { name: "flaky", kind: "local", send: (batch) => (up ? (got.push(...batch), { ok: true }) : { ok: false, retryable: true, error: "ENOSPC" }) };
    const memory = memorySink();
    const trail = createAuditTrail({ sinks: [flaky, memory], limits: { maxBufferedBytes: 3_000 }, onError: () => {} });
    for (let i = 0; i < 30; i++) trail.record({ type: "custom", name: "e", data: { i, pad: "x".repeat(200) } });
    const dropped = trail.stats().sinks.flaky!.dropped;
    expect(dropped).toBeGreaterThan(10);
    up = true;
    trail.record({ type: "custom", name: "e", data: { i: 30 } });
    const gap = got.find((e) => e.name === "trail.gap")!;
    expect(gap.data).toMatchObject({ sink: "flaky", count: dropped });
    const seqs = got.filter((e) => e.name === "e").map((e) => e.seq);
    const { first_seq, last_seq } = gap.data as { first_seq: number; last_seq: number };
    expect(last_seq - first_seq + 1).toBe(dropped);
    // Everything outside the declared range arrived, in order; nothing inside it did.
    expect(seqs).toEqual([...Array.from({ length: first_seq - 1 }, (_, i) => i + 1), 31]);
    expect(memory.events.filter((e) => e.name === "e")).toHaveLength(31); // other sinks lost nothing
  });
});
