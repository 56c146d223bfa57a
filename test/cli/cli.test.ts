import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import { tail } from "../../src/cli/tail.js";
import { listSegments } from "../../src/format/trail-format.js";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { expectConnectedTree, expectValidEvents, tempDir } from "../helpers.js";
import type { AuditEvent } from "../../src/events/schema.js";

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("agent-audit demo", () => {
  let dir: string;
  let demo: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    dir = tempDir("audit-demo-");
    demo = await run(["demo", "--dir", dir]);
  });

  it("runs a real agent offline and prints its timeline from the trail on disk", () => {
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/^Session sess_demo_\w+ · user user_456/);
    expect(demo.out).toContain("▶ travel_agent");
    expect(demo.out).toContain("input   Book me the cheapest flight to Paris");
    expect(demo.out).toMatch(/tool search_flights .*→ \[\{"flight_id":"AF1234"/);
    expect(demo.out).toContain("✗ PaymentTimeoutError: Payment API timeout after 5000ms");
    expect(demo.out).toMatch(/thought The payment API timed out\. Retrying/);
    expect(demo.out).toContain("output  Booked AF1234 to Paris");
    expect(demo.out).toContain("1339 tokens (1193 in / 146 out) · 4 model calls · 3 tool calls · 1 error");
  });

  it("writes only events that validate against the shipped JSON Schema, in one connected tree", () => {
    const files = listSegments(dir);
    expect(files).toHaveLength(1);
    const events = readFileSync(files[0]!, "utf8").trim().split("\n").map((l) => JSON.parse(l) as AuditEvent);
    expect(events.length).toBeGreaterThan(15);
    expectValidEvents(events);
    expectConnectedTree(events);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
  });

  it("sessions lists it, show prints it, tail prints the latest events", async () => {
    const sessionId = /Session (sess_demo_\w+)/.exec(demo.out)![1]!;
    const sessions = await run(["sessions", "--dir", dir]);
    expect(sessions.out).toMatch(new RegExp(`^SESSION +USER.*\\n${sessionId} +user_456 +\\S+ \\S+ +1 +4 +3 +1 +1339$`));
    const json = JSON.parse((await run(["sessions", "--dir", dir, "--json"])).out);
    expect(json[0]).toMatchObject({ session_id: sessionId, invocations: 1, tool_calls: 3, errors: 1 });

    const show = await run(["show", sessionId, "--dir", dir]);
    expect(show.code).toBe(0);
    expect(show.out).toContain("output  Booked AF1234");
    const showJson = await run(["show", sessionId, "--dir", dir, "--json"]);
    expect(showJson.out.split("\n").map((l) => JSON.parse(l).type)).toContain("tool_error");

    const t = await run(["tail", "-n", "3", "--dir", dir]);
    expect(t.out.split("\n")).toHaveLength(3);
    expect(t.out.split("\n")[2]).toMatch(/INFO +output +travel_agent/);
  });

  it("explains mistakes with a usage error", async () => {
    expect(await run(["show", "--dir", dir])).toMatchObject({ code: 2, err: expect.stringContaining("show needs a session id") });
    expect(await run(["show", "nope", "--dir", dir])).toMatchObject({ code: 1, err: expect.stringContaining('no events for session "nope"') });
    expect(await run(["frobnicate"])).toMatchObject({ code: 2, err: expect.stringContaining('unknown command "frobnicate"') });
    // Not "unknown command witness; did you mean witness?": options before it are not the witness's.
    expect(await run(["--json", "witness", "serve"])).toMatchObject({ code: 2, err: expect.stringContaining("witness comes first, its options after it") });
    expect(await run(["tail", "-n", "x", "--dir", dir])).toMatchObject({ code: 2 });
    expect(await run(["--bogus"])).toMatchObject({ code: 2, err: expect.stringContaining("--bogus") });
    expect((await run(["--help"])).out).toContain("Usage: agent-audit <command>");
    expect((await run(["sessions", "--dir", tempDir()])).out).toContain("No sessions");
  });
});

describe("agent-audit tail -f", () => {
  it("follows new events, including a segment file created after it started", async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const controller = new AbortController();
    const following = tail({ dir, lines: 0, follow: true, json: true, color: false, out: (l) => seen.push(JSON.parse(l).name), pollMs: 20, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 60));
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
    trail.record({ type: "custom", name: "first" });
    trail.record({ type: "custom", name: "second" });
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await following;
    await trail.shutdown(); // left open, its exit flush recreated the removed directory
    expect(seen).toEqual(["first", "second"]);
  });
});

describe("agent-audit status", () => {
  it("shows per-sink delivered counts, cursor lag and dead letters", async () => {
    const dir = tempDir();
    let calls = 0;
    const picky = {
      name: "picky",
      send: () => (++calls === 1 ? { ok: false as const, retryable: false, error: "HTTP 400 from https://x.test" } : { ok: true as const }),
      delivery: { batchSize: 2, lingerMs: 0 },
    };
    const down = { name: "down", send: () => ({ ok: false as const, retryable: true, error: "HTTP 503" }), delivery: { lingerMs: 0, initialBackoffMs: 5, maxBackoffMs: 10 } };
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), picky, down], onError: () => {} });
    for (let i = 0; i < 5; i++) trail.record({ type: "custom", data: { i } });
    await trail.flush({ timeoutMs: 300 });

    const json = await run(["status", "--dir", dir, "--json"]);
    const status = JSON.parse(json.out) as Array<{ sink: string; lag_events: number; dead_letters: number; chains: Array<{ live: boolean; delivered: number }> }>;
    const bySink = Object.fromEntries(status.map((s) => [s.sink, s]));
    expect(bySink.picky).toMatchObject({ lag_events: 0, dead_letters: 2, chains: [{ live: true, delivered: 3 }] });
    expect(bySink.down).toMatchObject({ lag_events: 5, dead_letters: 0, chains: [{ delivered: 0 }] });

    const text = await run(["status", "--dir", dir]);
    expect(text.code).toBe(1); // dead letters need someone's attention
    expect(text.out).toMatch(/SINK\s+CHAIN\s+WRITER\s+DELIVERED\s+LAG/);
    expect(text.out).toMatch(/picky: 2 dead-lettered events in .*dead-letter\.jsonl/);
    await trail.shutdown({ timeoutMs: 50 });
    const after = JSON.parse((await run(["status", "--dir", dir, "--json"])).out) as typeof status;
    expect(after.find((s) => s.sink === "down")!.chains[0]!.live).toBe(false);
  });
});
