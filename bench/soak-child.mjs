// The soak's producer, in a process of its own (started by bench/soak.mjs, which holds the
// receiver): `node bench/soak-child.mjs <dir> <url> <events> <chunk>`. It imports the built package
// the way users run it, records <events> custom events in chunks (yielding between chunks so
// delivery runs alongside), samples its own RSS every second, then shuts the trail down.
// stdout: one JSON object per line — {"progress": …} lines, then one {"final": …} line.
import { createAuditTrail, jsonlSink, webhookSink } from "../dist/index.js";

const [dir, url, eventsArg, chunkArg] = process.argv.slice(2);
if (!dir || !url) {
  console.error("usage: node bench/soak-child.mjs <dir> <url> [events] [chunk]");
  process.exit(2);
}
const EVENTS = Number(eventsArg ?? 1_000_000);
const CHUNK = Number(chunkArg ?? 2_000);
const SECRET = `whsec_${Buffer.from("soak-benchmark-secret-32-bytes!!").toString("base64")}`; // 32 bytes
// ~150 characters of ordinary prose (no PII: every string is still scanned by the default redaction).
const TEXT = "The agent compared three itineraries for the customer, kept the cheapest direct flight and noted that the hotel near the station has late check-in.";

const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;
const rssMB = () => process.memoryUsage().rss / 2 ** 20;
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const trail = createAuditTrail({
  sinks: [jsonlSink({ dir }), webhookSink({ url, secret: SECRET })],
  delivery: { batchSize: 500, lingerMs: 50, timeoutMs: 1000, initialBackoffMs: 20, maxBackoffMs: 1000 },
  onError: () => {},
});

let recorded = 0;
let phase = "recording";
const samples = [];
const sample = () => {
  const s = { t: Number(now().toFixed(2)), mb: Number(rssMB().toFixed(1)), phase };
  samples.push(s);
  return s;
};
sample();
let ticks = 0;
const sampler = setInterval(() => {
  const s = sample();
  // A progress line every 5 s while draining (recording reports per 50,000 events below).
  if (phase !== "recording" && ++ticks % 5 === 0) {
    const w = trail.stats().sinks.webhook;
    out({ progress: { phase, t: s.t, rss_mb: s.mb, recorded: trail.stats().recorded, delivered: w?.delivered, pending: w?.pending, retries: w?.retries } });
  }
}, 1000);

const recordStart = performance.now();
for (let i = 0; i < EVENTS; ) {
  const end = Math.min(EVENTS, i + CHUNK);
  for (; i < end; i++) trail.record({ type: "custom", name: "soak", data: { i, text: TEXT } });
  recorded = i;
  if (recorded % 50_000 === 0 || recorded === EVENTS) {
    const w = trail.stats().sinks.webhook;
    out({ progress: { phase, t: Number(now().toFixed(2)), rss_mb: Number(rssMB().toFixed(1)), recorded, delivered: w?.delivered, pending: w?.pending, retries: w?.retries } });
  }
  await new Promise((r) => setImmediate(r)); // let delivery share the process
}
const recordSeconds = (performance.now() - recordStart) / 1000;
const recordedAt = now();
const statsAtRecordEnd = trail.stats();
sample();

phase = "shutdown";
const shutdownStart = performance.now();
const shutdown = await trail.shutdown({ timeoutMs: 600_000 });
const shutdownSeconds = (performance.now() - shutdownStart) / 1000;
phase = "done";
sample();
clearInterval(sampler);

out({
  final: {
    recorded,
    elapsed: now(),
    record_seconds: recordSeconds,
    recorded_at: recordedAt,
    shutdown_seconds: shutdownSeconds,
    delivery_finished_at: now(),
    stats_at_record_end: statsAtRecordEnd,
    stats: trail.stats(),
    shutdown,
    rss: samples,
  },
});
