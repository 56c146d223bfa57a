// The delivery layer under faults, against the webhook sink's real wire format (nock stands in for
// the receiving server; a Standard Webhooks receiver library checks what we send).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { createAuditTrail, type AuditTrail } from "../../src/capture/audit-trail.js";
import { webhookSink } from "../../src/sinks/webhook.js";
import { verifyWebhook } from "../../src/sinks/standard-webhooks.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { memorySink } from "../../src/sinks/memory.js";
import { AuditConfigError } from "../../src/shared/config.js";
import type { Sink } from "../../src/sinks/types.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { deadLetterFile } from "../../src/format/trail-format.js";
import { oneToolAgent } from "../capture/fixtures.js";
import { HumanMessage } from "langchain";

const HOST = "https://hooks.example.test";
const SECRET = `whsec_${Buffer.from("a-shared-secret-of-32-bytes-long!").toString("base64")}`;
const FAST = { initialBackoffMs: 5, maxBackoffMs: 40, lingerMs: 0 };

interface Received {
  headers: Record<string, string>;
  body: string;
  events: AuditEvent[];
}

/** Collects what the fake endpoint receives; `reply` decides each answer. */
function endpoint(reply: (n: number) => [number, Record<string, string>?]) {
  const received: Received[] = [];
  let n = 0;
  nock(HOST)
    .persist()
    .post("/audit")
    .reply(function (_uri, body) {
      const answer = reply(++n);
      const text = typeof body === "string" ? body : JSON.stringify(body);
      const headers = Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k, String(v)]));
      if (answer[0] < 300) received.push({ headers, body: text, events: JSON.parse(text).data.events });
      return [answer[0], "", answer[1] ?? {}];
    });
  return { received, ids: () => received.flatMap((r) => r.events.map((e) => e.id)), calls: () => n };
}

function record(trail: AuditTrail, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(trail.record({ type: "custom", name: "step", data: { i } })!.id);
  return ids;
}

let trails: AuditTrail[] = [];
function trailWith(sinks: Sink[], extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const t = createAuditTrail({ sinks: [jsonlSink({ dir }), ...sinks], delivery: FAST, onError: () => {}, ...extra });
  trails.push(t);
  return { trail: t, dir };
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(async () => {
  await Promise.all(trails.map((t) => t.shutdown({ timeoutMs: 50 })));
  trails = [];
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("webhookSink", () => {
  it("POSTs signed batches that a Standard Webhooks receiver accepts, and rejects when tampered or replayed", async () => {
    const ep = endpoint(() => [200]);
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })]);
    const ids = record(trail, 3);
    expect((await trail.flush()).complete).toBe(true);
    expect(ep.ids()).toEqual(ids);
    const { headers, body } = ep.received[0]!;
    expect(headers["webhook-id"]).toMatch(/^msg_/);
    expect(headers["webhook-signature"]).toMatch(/^v1,/);
    expect(JSON.parse(body)).toMatchObject({ type: "audit.events", data: { batch_id: expect.any(String), events: expect.arrayContaining([expect.objectContaining({ type: "custom" })]) } });

    const receiver = new Webhook(SECRET);
    expect(receiver.verify(body, headers)).toMatchObject({ type: "audit.events" });
    expect(() => receiver.verify(body.replace('"i":0', '"i":9'), headers)).toThrow();
    const old = String(Number(headers["webhook-timestamp"]) - 3600);
    expect(() => receiver.verify(body, { ...headers, "webhook-timestamp": old })).toThrow();
    // Our own helper agrees.
    expect(verifyWebhook({ secret: SECRET, headers, body })).toMatchObject({ type: "audit.events" });
    expect(() => verifyWebhook({ secret: SECRET, headers, body })).toThrow(/already accepted/);
    expect(() => verifyWebhook({ secret: SECRET, headers: { ...headers, "webhook-timestamp": old }, body })).toThrow(/tolerance/);
  });

  it("keeps the webhook-id of a batch across retries (the receiver's idempotency key)", async () => {
    const seen: string[] = [];
    nock(HOST).post("/audit").times(2).reply(function () {
      seen.push(String(this.req.headers["webhook-id"]));
      return [503, ""];
    });
    nock(HOST).post("/audit").reply(function () {
      seen.push(String(this.req.headers["webhook-id"]));
      return [200, ""];
    });
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })]);
    record(trail, 2);
    await trail.flush();
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1);
  });

  it("rejects bad options naming the field", () => {
    expect(() => webhookSink({ url: "not a url", secret: SECRET })).toThrow(AuditConfigError);
    expect(() => webhookSink({ url: `${HOST}/a`, secret: "plain" })).toThrow(/secret.*whsec_/);
    expect(() => webhookSink({ url: "ftp://x.test/a", secret: SECRET })).toThrow(/http\(s\)/);
    expect(() => createAuditTrail({ sinks: [memorySink()], spool: { memory: true, dir: "x" } })).toThrow(/spool.*either dir/);
  });
});

describe("delivery under faults", () => {
  it("retries 500s, connection resets and DNS failures, then delivers every event once", async () => {
    const ids: string[] = [];
    const collect = (_uri: string, body: Record<string, unknown>) => {
      ids.push(...(body.data as { events: AuditEvent[] }).events.map((e) => e.id));
      return [200, ""] as [number, string];
    };
    nock(HOST).post("/audit").reply(500).post("/audit").replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })).post("/audit").reply(502);
    nock(HOST).persist().post("/audit").reply(collect as never);
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })]);
    const sent = record(trail, 5);
    expect((await trail.flush()).complete).toBe(true);
    expect(ids).toEqual(sent);
    expect(trail.stats().sinks.webhook).toMatchObject({ delivered: 5, failed: 0, pending: 0, retries: 3 });

    nock("https://nowhere.example.test").post("/audit").replyWithError(Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.example.test"), { code: "ENOTFOUND" }));
    nock("https://nowhere.example.test").post("/audit").reply(200);
    const dns = trailWith([webhookSink({ url: "https://nowhere.example.test/audit", secret: SECRET, name: "dns" })]);
    record(dns.trail, 2);
    expect((await dns.trail.flush()).complete).toBe(true);
    expect(dns.trail.stats().sinks.dns).toMatchObject({ delivered: 2, retries: 1 });
    expect(dns.trail.stats().sinks.dns!.last_error).toContain("ENOTFOUND");
  });

  it("honours Retry-After on 429", async () => {
    const times: number[] = [];
    const ep = endpoint((n) => {
      times.push(Date.now());
      return n === 1 ? [429, { "retry-after": "1" }] : [200];
    });
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })]);
    record(trail, 1);
    await trail.flush();
    expect(ep.ids()).toHaveLength(1);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950); // waited as asked, not its own 5–40 ms backoff
  });

  it("gives up on an attempt that hangs (timeout) and retries it", async () => {
    nock(HOST).post("/audit").delay(2_000).reply(200);
    nock(HOST).post("/audit").reply(200);
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET, delivery: { timeoutMs: 100 } })]);
    record(trail, 1);
    expect((await trail.flush({ timeoutMs: 5_000 })).complete).toBe(true);
    expect(trail.stats().sinks.webhook).toMatchObject({ delivered: 1, retries: 1 });
    expect(trail.stats().sinks.webhook!.last_error).toMatch(/no answer within 100 ms/);
  });

  it("one hung sink delays neither the agent nor the other sinks", async () => {
    const ep = endpoint(() => [200]);
    const hung: Sink = { name: "hung", send: () => new Promise(() => {}) };
    const { trail } = trailWith([hung, webhookSink({ url: `${HOST}/audit`, secret: SECRET })], { delivery: { ...FAST, timeoutMs: 60_000 } });
    const result = await oneToolAgent().invoke({ messages: [new HumanMessage("Paris?")] }, { callbacks: [trail.handler()] });
    expect(result.messages.at(-1)!.content).toBe("Found 3 flights.");
    const flushed = await trail.flush({ timeoutMs: 500 });
    expect(flushed.pending.webhook).toBe(0);
    expect(flushed.pending.hung).toBe(trail.stats().recorded);
    expect(ep.ids()).toHaveLength(trail.stats().recorded);
  });

  it("a destination down for the whole run gets everything once it recovers", async () => {
    let up = false;
    const ep = endpoint(() => (up ? [200] : [503]));
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })]);
    const ids: string[] = [];
    for (let run = 0; run < 3; run++) {
      await oneToolAgent().invoke({ messages: [new HumanMessage(`run ${run}`)] }, { callbacks: [trail.handler()] });
    }
    expect((await trail.flush({ timeoutMs: 200 })).complete).toBe(false);
    expect(ep.ids()).toHaveLength(0);
    up = true;
    expect((await trail.flush({ timeoutMs: 5_000 })).complete).toBe(true);
    ids.push(...ep.ids());
    // Every recorded event arrives. Delivery is at least once: the attempt the first flush aborted
    // at its deadline may still reach the endpoint after it came up and be answered there, and
    // its batch is then sent again (same ids), which a receiver deduplicates by id.
    expect(new Set(ids).size).toBe(trail.stats().recorded);
    expect(ids.length).toBeLessThanOrEqual(2 * trail.stats().recorded);
  });

  it("dead-letters a batch the destination rejects (4xx) with the reason, and still delivers the others", async () => {
    const ep = endpoint((n) => (n === 1 ? [422] : [200]));
    const { trail, dir } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET, delivery: { batchSize: 4 } })]);
    const ids = record(trail, 10);
    expect((await trail.flush()).complete).toBe(true);
    expect(ep.ids()).toEqual(ids.slice(4));
    const dead = readFileSync(deadLetterFile(dir, "webhook"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(dead.map((d) => d.event.id)).toEqual(ids.slice(0, 4));
    expect(dead[0].reason).toMatch(/HTTP 422 .*from https:\/\/hooks\.example\.test:443$/);
    expect(trail.stats().sinks.webhook).toMatchObject({ delivered: 6, failed: 4, pending: 0 });
  });

  it("follows per-event verdicts: rejected items dead-lettered, retryable ones retried alone", async () => {
    const batches: number[][] = [];
    let first = true;
    const bulk: Sink = {
      name: "bulk",
      send(batch) {
        batches.push(batch.map((e) => e.seq));
        if (!first) return { ok: true };
        first = false;
        return {
          ok: false,
          retryable: true,
          error: "partial failure",
          items: batch.map((e) => (e.seq === 2 ? { ok: false, retryable: false, error: "mapping error" } : e.seq === 3 ? { ok: false, retryable: true, error: "429" } : { ok: true })),
        };
      },
    };
    const { trail, dir } = trailWith([bulk]);
    record(trail, 4);
    await trail.flush();
    expect(batches).toEqual([[1, 2, 3, 4], [3]]);
    expect(trail.stats().sinks.bulk).toMatchObject({ delivered: 3, failed: 1 });
    expect(readFileSync(deadLetterFile(dir, "bulk"), "utf8")).toContain("mapping error");
  });

  it("gives a batch up after the retry budget, into the dead-letter file", async () => {
    endpoint(() => [503]);
    const { trail, dir } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET, delivery: { maxElapsedMs: 100 } })]);
    record(trail, 2);
    expect((await trail.flush({ timeoutMs: 3_000 })).complete).toBe(true);
    expect(readFileSync(deadLetterFile(dir, "webhook"), "utf8")).toMatch(/retry budget of 100 ms used up.*HTTP 503/);
  });

  it("never writes credentials from the URL or headers into errors", async () => {
    endpoint(() => [500]);
    const errors: string[] = [];
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit?token=qs-secret-123`, secret: SECRET, headers: { authorization: "Bearer hdr-secret-456" } })], {
      onError: (e: Error) => errors.push(e.message),
    });
    record(trail, 1);
    await trail.flush({ timeoutMs: 200 });
    const text = JSON.stringify([errors, trail.stats()]);
    expect(errors.length).toBeGreaterThan(0);
    expect(text).not.toMatch(/qs-secret|hdr-secret/);
  });
});

describe("queues that fill up", () => {
  it("memory mode: the queue is bounded, drops are counted and recorded as an event when delivery resumes", async () => {
    let up = false;
    const got: AuditEvent[] = [];
    const flaky: Sink = { name: "flaky", send: (batch) => (up ? (got.push(...batch), { ok: true }) : { ok: false, retryable: true, error: "down" }) };
    const trail = createAuditTrail({ sinks: [flaky], spool: { memory: true, maxEvents: 5 }, delivery: FAST, onError: () => {} });
    trails.push(trail);
    record(trail, 20);
    expect(trail.stats().sinks.flaky!.pending).toBeLessThanOrEqual(5);
    up = true;
    for (let i = 0; i < 3; i++) await trail.flush(); // drop notices are events too, delivered next round
    const notices = got.filter((e) => e.name === "delivery.dropped");
    expect(notices[0]).toMatchObject({ level: "warn", data: { sink: "flaky", reason: expect.stringContaining("full") } });
    const dropped = notices.reduce((n, e) => n + (e.data as { dropped: number }).dropped, 0);
    expect(dropped).toBeGreaterThanOrEqual(14);
    expect(trail.stats().sinks.flaky!.dropped).toBe(dropped);
    expect(got.filter((e) => e.name === "step").length + dropped).toBe(20);
    expect(trail.spoolDir).toBeUndefined(); // memory mode never touches the disk
    expect(trail.trailDir).toBeUndefined();
  });

  it("disk mode: a full spool skips the oldest undelivered events, counts them and says so", async () => {
    let up = false;
    const got: AuditEvent[] = [];
    const flaky: Sink = { name: "flaky", send: (batch) => (up ? (got.push(...batch), { ok: true }) : { ok: false, retryable: true, error: "down" }) };
    const { trail } = trailWith([flaky], { spool: { maxBytes: 4096 }, delivery: { ...FAST, batchSize: 5 } });
    record(trail, 60); // ≈ 200 bytes each: three times the 4 KiB allowed
    await new Promise((r) => setTimeout(r, 300)); // the destination stays down for a while
    up = true;
    for (let i = 0; i < 3; i++) await trail.flush();
    const notices = got.filter((e) => e.name === "delivery.dropped");
    const dropped = notices.reduce((n, e) => n + (e.data as { dropped: number }).dropped, 0);
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBe(trail.stats().sinks.flaky!.dropped);
    const delivered = got.filter((e) => e.name === "step").map((e) => (e.data as { i: number }).i);
    expect(delivered.length + dropped).toBe(60);
    expect(delivered).toContain(59); // the newest are kept, the oldest given up
    expect(delivered).not.toContain(0);
  });

  it("disk mode: a limit that is not a multiple of ten, far exceeded, still skips and delivers (no fractional read length)", async () => {
    let up = false;
    const got: AuditEvent[] = [];
    const flaky: Sink = { name: "flaky", send: (batch) => (up ? (got.push(...batch), { ok: true }) : { ok: false, retryable: true, error: "down" }) };
    const errors: Error[] = [];
    const { trail } = trailWith([flaky], { spool: { maxBytes: 100_001 }, delivery: { ...FAST, batchSize: 50 }, onError: (e: Error) => errors.push(e) });
    for (let i = 0; i < 1000; i++) trail.record({ type: "custom", name: "step", data: { i, pad: "p".repeat(300) } });
    await new Promise((r) => setTimeout(r, 200));
    up = true;
    for (let i = 0; i < 3; i++) await trail.flush({ timeoutMs: 5_000 });
    expect(errors.map((e) => e.message).filter((m) => m.includes("cannot read the spool"))).toEqual([]);
    const delivered = got.filter((e) => e.name === "step").map((e) => (e.data as { i: number }).i);
    expect(delivered).toContain(999);
    expect(delivered.length + trail.stats().sinks.flaky!.dropped).toBe(1000);
  });
});

describe("the spool on disk", () => {
  it("a dead writer's chain is delivered by the next trail on the directory, skipping a torn last line", async () => {
    const dir = tempDir();
    // A previous process: wrote 3 events and half a fourth, then died (no writer file left).
    const chain = "01900000-0000-7000-8000-000000000001";
    const lines = [1, 2, 3].map((seq) => JSON.stringify({ schema_version: "1", id: `01900000-0000-7000-8000-00000000000${seq}`, ts: "2026-11-27T10:00:00.000Z", seq, level: "info", type: "custom", data: {}, chain_id: chain }));
    writeFileSync(join(dir, `2026-11-27.${chain}.jsonl`), lines.join("\n") + '\n{"schema_version":"1","id":"0190');
    mkdirSync(join(dir, ".delivery", "webhook"), { recursive: true });
    writeFileSync(join(dir, ".delivery", "webhook", `${chain}.cursor.json`), JSON.stringify({ offset: 0, delivered: 0, dead_lettered: 0, dropped: 0, updated: "" }));

    const ep = endpoint(() => [200]);
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), webhookSink({ url: `${HOST}/audit`, secret: SECRET })], delivery: FAST, onError: () => {} });
    trails.push(trail);
    await trail.flush();
    const received = ep.received.flatMap((r) => r.events);
    expect(received.filter((e) => e.chain_id === chain).map((e) => e.id)).toEqual(lines.map((l) => JSON.parse(l).id));
    // The new trail acknowledged the crash's torn line in its own chain, and delivered that too.
    const torn = '{"schema_version":"1","id":"0190';
    expect(received.find((e) => e.name === "trail.recovery")?.data).toMatchObject({ chain_id: chain, file: `2026-11-27.${chain}.jsonl`, offset: lines.join("\n").length + 1, length: torn.length });
    const cursor = JSON.parse(readFileSync(join(dir, ".delivery", "webhook", `${chain}.cursor.json`), "utf8"));
    expect(cursor.delivered).toBe(3);
    expect(cursor.offset).toBe(readFileSync(join(dir, `2026-11-27.${chain}.jsonl`)).length);
  });
});

describe("delivery options: what the user said beats a sink's own defaults", () => {
  it("the trail's delivery.batchSize applies to a webhook (whose own default is 100); the sink's own option wins over both", async () => {
    const ep = endpoint(() => [200]);
    const { trail } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET })], { delivery: { ...FAST, batchSize: 7 } });
    record(trail, 20);
    expect((await trail.flush()).complete).toBe(true);
    expect(ep.received.map((r) => r.events.length)).toEqual([7, 7, 6]);
    nock.cleanAll();
    const ep2 = endpoint(() => [200]);
    const { trail: t2 } = trailWith([webhookSink({ url: `${HOST}/audit`, secret: SECRET, delivery: { batchSize: 4 } })], { delivery: { ...FAST, batchSize: 7 } });
    record(t2, 10);
    expect((await t2.flush()).complete).toBe(true);
    expect(ep2.received.map((r) => r.events.length)).toEqual([4, 4, 2]);
  });
});

describe("a webhook URL with credentials in it", () => {
  it("sends them as HTTP Basic auth (fetch refuses them in the URL) and delivers", async () => {
    const ep = endpoint(() => [200]);
    const { trail } = trailWith([webhookSink({ url: "https://al%40ice:p%3Ass@hooks.example.test/audit", secret: SECRET })]);
    record(trail, 2);
    expect((await trail.flush()).complete).toBe(true);
    expect(ep.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from("al@ice:p:ss").toString("base64")}`);
  });
});
