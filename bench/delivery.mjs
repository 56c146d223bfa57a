// Delivery throughput and memory under an outage: `npm run bench` (after a build).
//
// 1. Events per second through capture → redact → seal → JSONL → webhook, with the receiving HTTP
//    server in this same process (one core for everything): tool start/end callbacks go straight
//    into the handler, and the clock stops when the server has acknowledged the last event.
// 2. A webhook receiver that is down (503) for BENCH_OUTAGE_S seconds (default 60) while events
//    arrive at a steady rate: RSS is sampled throughout (the backlog must live on disk, not in
//    memory), then the receiver recovers and every event must arrive.
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink, webhookSink } from "../dist/index.js";
import { writeSection, machine } from "./report.mjs";

const EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 40_000);
const OUTAGE_S = Number(process.env.BENCH_OUTAGE_S ?? 60);
const RATE = Number(process.env.BENCH_OUTAGE_RATE ?? 250); // tool calls per second during the outage
const SECRET = `whsec_${Buffer.from("benchmark-secret-of-32-bytes-ok!").toString("base64")}`;

function receiver() {
  const ids = new Set();
  let up = true;
  let onCount = () => {};
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (!up) return res.writeHead(503).end();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      for (const e of body.data.events) ids.add(e.id);
      res.writeHead(200).end();
      onCount();
    });
  });
  return {
    ids,
    setUp: (v) => (up = v),
    listen: () => new Promise((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${server.address().port}/hook`))),
    close: () => new Promise((r) => server.close(r)),
    until: (n) => new Promise((resolve) => {
      if (ids.size >= n) return resolve();
      onCount = () => ids.size >= n && resolve();
    }),
  };
}

// A bare tool call as the handler sees it (start, end): as a root run it records input, tool_start,
// tool_end and output, four events at level info.
function toolCall(handler, i) {
  const runId = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  handler.handleToolStart({ id: ["search_flights"], lc: 1, type: "not_implemented" }, JSON.stringify({ to: "Paris", passenger: "jane@example.com" }), runId, undefined, [], { session_id: "bench" }, "search_flights");
  handler.handleToolEnd("3 flights to Paris", runId);
}

// --- 1. Throughput ---------------------------------------------------------------------------------
const rx = receiver();
const url = await rx.listen();
const dir = mkdtempSync(join(tmpdir(), "audit-bench-delivery-"));
const trail = createAuditTrail({ level: "info", sinks: [jsonlSink({ dir }), webhookSink({ url, secret: SECRET })], delivery: { batchSize: 500, lingerMs: 20 } });
const handler = trail.handler();
const started = process.hrtime.bigint();
for (let i = 0; i < EVENTS / 2; i++) {
  toolCall(handler, i);
  if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let delivery share the core
}
const recordedAt = process.hrtime.bigint();
await rx.until(trail.stats().recorded);
const deliveredAt = process.hrtime.bigint();
const seconds = Number(deliveredAt - started) / 1e9;
const throughput = { events: trail.stats().recorded, seconds, eventsPerSecond: trail.stats().recorded / seconds, captureSeconds: Number(recordedAt - started) / 1e9 };
await trail.shutdown();
await rx.close();
rmSync(dir, { recursive: true, force: true });
console.error(`throughput: ${throughput.eventsPerSecond.toFixed(0)} events/s end to end`);

// --- 2. Outage -------------------------------------------------------------------------------------
const rx2 = receiver();
const url2 = await rx2.listen();
const dir2 = mkdtempSync(join(tmpdir(), "audit-bench-outage-"));
const trail2 = createAuditTrail({ level: "info", sinks: [jsonlSink({ dir: dir2 }), webhookSink({ url: url2, secret: SECRET })], delivery: { batchSize: 500, initialBackoffMs: 200, maxBackoffMs: 2_000 }, onError: () => {} });
const handler2 = trail2.handler();
globalThis.gc?.();
const rss = () => process.memoryUsage().rss / 2 ** 20;
const samples = [];
const rssStart = rss();
rx2.setUp(false);
let n = 0;
const tickMs = 100;
for (let t = 0; t < (OUTAGE_S * 1000) / tickMs; t++) {
  for (let k = 0; k < (RATE * tickMs) / 1000; k++) toolCall(handler2, n++);
  if (t % ((5 * 1000) / tickMs) === 0) samples.push(rss());
  await new Promise((r) => setTimeout(r, tickMs));
}
samples.push(rss());
const recorded2 = trail2.stats().recorded;
const pendingAtRecovery = trail2.stats().sinks.webhook.pending;
rx2.setUp(true);
const recoverStart = Date.now();
const flushed = await trail2.flush({ timeoutMs: 120_000 });
const recoverySeconds = (Date.now() - recoverStart) / 1000;
const outage = {
  seconds: OUTAGE_S,
  rate: RATE,
  recorded: recorded2,
  pendingAtRecovery,
  rssStartMB: rssStart,
  rssMaxMB: Math.max(...samples),
  rssEndMB: samples[samples.length - 1],
  samples: samples.map((x) => Math.round(x)),
  arrived: rx2.ids.size,
  complete: flushed.complete && rx2.ids.size === recorded2,
  recoverySeconds,
};
await trail2.shutdown();
await rx2.close();
rmSync(dir2, { recursive: true, force: true });
console.log(JSON.stringify({ throughput, outage }, null, 2));

writeSection(
  "delivery",
  `## Delivery: throughput and an outage

\`bench/delivery.mjs\`, everything on one core (the receiving HTTP server runs in the same process).

- **Throughput: ${throughput.eventsPerSecond.toFixed(0)} events/s end to end** — ${throughput.events.toLocaleString("en")} events (tool start/end
  callbacks) captured, redacted, sealed, written to JSONL and delivered to a signed webhook, in
  ${throughput.seconds.toFixed(2)} s until the receiver had acknowledged the last one (capture alone took ${throughput.captureSeconds.toFixed(2)} s).
- **Outage**: the receiver answered 503 for ${OUTAGE_S} s while ${Math.round(outage.recorded / OUTAGE_S)} events/s kept coming (${outage.recorded.toLocaleString("en")} events,
  ${outage.pendingAtRecovery.toLocaleString("en")} waiting when it recovered). RSS every 5 s (MB): ${outage.samples.join(", ")} — start
  ${outage.rssStartMB.toFixed(0)} MB, peak ${outage.rssMaxMB.toFixed(0)} MB: the backlog lives on disk. After recovery **${outage.arrived.toLocaleString("en")} of
  ${outage.recorded.toLocaleString("en")} events arrived** (${outage.complete ? "all of them" : "NOT all"}) in ${outage.recoverySeconds.toFixed(1)} s.

${await machine()}`,
);
