// The soak's producer, in a process of its own (started by bench/soak.mjs, which holds the
// receiver): `node bench/soak-child.mjs <dir> <url> <events> <chunk>`. It imports the built package
// the way users run it, records <events> custom events in chunks (yielding between chunks so
// delivery runs alongside), samples its own RSS every second, then shuts the trail down.
// Run with --expose-gc: every 5 s (and when recording ends, and at the very end) it forces a full
// garbage collection and samples process.memoryUsage() right after it. The heap left after a full
// GC is what is really retained, free of the GC sawtooth and of V8 growing its heap lazily: that is
// the leak measure (RSS is still sampled every second, as it is what the operator sees).
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
if (typeof globalThis.gc !== "function") {
  console.error("soak-child: run me with node --expose-gc (bench/soak.mjs does)");
  process.exit(2);
}
const GC_EVERY_MS = 5000;

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
// Full GC, then memoryUsage(): what is retained (MB).
const gcSamples = [];
const mb = (n) => Number((n / 2 ** 20).toFixed(2));
const gcSample = () => {
  const g0 = performance.now();
  globalThis.gc();
  const gc_ms = Number((performance.now() - g0).toFixed(1));
  const m = process.memoryUsage();
  const s = { t: Number(now().toFixed(2)), heap: mb(m.heapUsed), heap_total: mb(m.heapTotal), external: mb(m.external), array_buffers: mb(m.arrayBuffers), rss: mb(m.rss), gc_ms, phase };
  gcSamples.push(s);
  return s;
};
gcSample();
let lastGc;
const gcSampler = setInterval(() => {
  lastGc = gcSample();
}, GC_EVERY_MS);
let ticks = 0;
const sampler = setInterval(() => {
  const s = sample();
  // A progress line every 5 s while draining (recording reports per 50,000 events below).
  if (phase !== "recording" && ++ticks % 5 === 0) {
    const w = trail.stats().sinks.webhook;
    out({ progress: { phase, t: s.t, rss_mb: s.mb, heap_after_gc_mb: lastGc?.heap, recorded: trail.stats().recorded, delivered: w?.delivered, pending: w?.pending, retries: w?.retries } });
  }
}, 1000);

const recordStart = performance.now();
for (let i = 0; i < EVENTS; ) {
  const end = Math.min(EVENTS, i + CHUNK);
  for (; i < end; i++) trail.record({ type: "custom", name: "soak", data: { i, text: TEXT } });
  recorded = i;
  if (recorded % 50_000 === 0 || recorded === EVENTS) {
    const w = trail.stats().sinks.webhook;
    out({ progress: { phase, t: Number(now().toFixed(2)), rss_mb: Number(rssMB().toFixed(1)), heap_after_gc_mb: lastGc?.heap, recorded, delivered: w?.delivered, pending: w?.pending, retries: w?.retries } });
  }
  await new Promise((r) => setImmediate(r)); // let delivery share the process
}
const recordSeconds = (performance.now() - recordStart) / 1000;
const recordedAt = now();
const statsAtRecordEnd = trail.stats();
sample();
const gcAtRecordEnd = gcSample();

phase = "shutdown";
const shutdownStart = performance.now();
const shutdown = await trail.shutdown({ timeoutMs: 600_000 });
const shutdownSeconds = (performance.now() - shutdownStart) / 1000;
phase = "done";
sample();
clearInterval(sampler);
clearInterval(gcSampler);
const gcAtEnd = gcSample();

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
    gc_every_ms: GC_EVERY_MS,
    after_gc: gcSamples,
    after_gc_at_record_end: gcAtRecordEnd,
    after_gc_at_end: gcAtEnd,
  },
});
