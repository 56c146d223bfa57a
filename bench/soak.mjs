// Soak: `npm run bench -- soak` (after a build; not part of the default `npm run bench`, it takes
// minutes). BENCH_SOAK_EVENTS events (default 1,000,000) go through a webhook sink whose receiver
// fails BENCH_SOAK_FAIL of the requests (default 0.30, HTTP 500) and hangs BENCH_SOAK_HANG of them
// (default 0.01: it reads the request and never answers, so only the sender's per-attempt
// delivery.timeoutMs ends it). Which request fails or hangs comes from a seeded PRNG
// (BENCH_SOAK_SEED), so the sequence of verdicts is the same on every run.
//
// - The receiver is a node:http server in this process on 127.0.0.1. It checks no signatures (to
//   stay cheap) but parses every body and keeps the id of every event it accepted (answered 200)
//   in a Set; an id accepted twice is a duplicate.
// - The producer is bench/soak-child.mjs, a process of its own importing the built package
//   (../dist/index.js): JSONL trail + webhook, default redaction and integrity, events recorded in
//   chunks with setImmediate between them, RSS sampled every second, then trail.shutdown(). It
//   runs with --expose-gc and every 5 s forces a full GC and samples process.memoryUsage() right
//   after: the heap still used after a full GC is the leak measure (external / ArrayBuffer memory
//   and RSS at that moment are reported too), since RSS alone mixes retained memory with the GC
//   sawtooth and V8 growing its heap lazily.
// - Then this process reads the JSONL trail back (readTrail) and checks that every recorded event
//   reached the receiver; it writes the "soak" section of BENCHMARKS.md and exits 1 if anything
//   was lost (or the run did not finish within BENCH_SOAK_TIMEOUT_S, default 1200 s). "Not flat"
//   (see FLAT_* below) is reported, in the JSON and in BENCHMARKS.md, but is not a failure.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { readTrail } from "../dist/store/jsonl.js";
import { listSegments } from "../dist/format/trail-format.js";
import { writeSection, machine } from "./report.mjs";
import { seededRandom } from "./seeded.mjs";

const EVENTS = Number(process.env.BENCH_SOAK_EVENTS ?? 1_000_000);
const CHUNK = Number(process.env.BENCH_SOAK_CHUNK ?? 2_000);
const FAIL = Number(process.env.BENCH_SOAK_FAIL ?? 0.3);
const HANG = Number(process.env.BENCH_SOAK_HANG ?? 0.01);
const SEED = Number(process.env.BENCH_SOAK_SEED ?? 20261127);
const TIMEOUT_S = Number(process.env.BENCH_SOAK_TIMEOUT_S ?? 1200);
const WARMUP_S = 10;
const BATCH_SIZE = 500; // what the child configures as the trail's delivery.batchSize
const TIMEOUT_MS = 1000; // and its delivery.timeoutMs
// "Flat" = heap-after-GC slope < FLAT_SLOPE MB/min (least squares over the samples after WARMUP_S)
// AND RSS peak < RSS at WARMUP_S + FLAT_HEADROOM MB. External memory after GC is reported but not
// in the rule: it is mostly I/O buffers in flight and swings by tens of MB between samples.
const FLAT_SLOPE = 1; // MB per minute
const FLAT_HEADROOM = 64; // MB
const RSS_WINDOW_S = 15; // windows whose RSS minima give a sawtooth-insensitive RSS trend


const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000;

function receiver() {
  const rand = seededRandom(SEED);
  const accepted = new Set();
  const c = { requests: 0, ok: 0, failed: 0, hung: 0, hungClosed: 0, badBodies: 0, duplicates: 0, acceptedEvents: 0, refusedEvents: 0, maxBatch: 0, lastNewAt: 0 };
  const hung = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      c.requests++;
      const verdict = rand();
      let events;
      try {
        events = JSON.parse(Buffer.concat(chunks).toString("utf8")).data.events;
        if (!Array.isArray(events)) throw new Error("no data.events");
      } catch {
        c.badBodies++;
        return res.writeHead(400).end();
      }
      if (events.length > c.maxBatch) c.maxBatch = events.length;
      if (verdict < HANG) {
        // Read, never answered: only the sender's timeout ends it (it closes the connection).
        c.hung++;
        c.refusedEvents += events.length;
        hung.add(res);
        res.on("close", () => {
          c.hungClosed++;
          hung.delete(res);
        });
        return;
      }
      if (verdict < HANG + FAIL) {
        c.failed++;
        c.refusedEvents += events.length;
        return res.writeHead(500).end();
      }
      c.ok++;
      c.acceptedEvents += events.length;
      for (const e of events) {
        if (accepted.has(e.id)) c.duplicates++;
        else {
          accepted.add(e.id);
          c.lastNewAt = now();
        }
      }
      res.writeHead(200).end();
    });
  });
  return {
    accepted,
    counts: c,
    hungOpen: () => hung.size,
    listen: () => new Promise((r) => server.listen(0, "127.0.0.1", () => r(`http://127.0.0.1:${server.address().port}/hook`))),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Least-squares slope of mb over t (samples: [{ t, mb }]), in MB per minute (undefined under 2 samples). */
function slopePerMinute(samples) {
  const n = samples.length;
  if (n < 2) return undefined;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mm = samples.reduce((s, x) => s + x.mb, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of samples) {
    num += (x.t - mt) * (x.mb - mm);
    den += (x.t - mt) ** 2;
  }
  return den ? (num / den) * 60 : undefined;
}

/** Standard error of that slope, in MB per minute (undefined under 3 samples). */
function slopeStdErr(samples) {
  const n = samples.length;
  const b = slopePerMinute(samples);
  if (n < 3 || b === undefined) return undefined;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mm = samples.reduce((s, x) => s + x.mb, 0) / n;
  let sse = 0;
  let den = 0;
  for (const x of samples) {
    sse += (x.mb - mm - (b / 60) * (x.t - mt)) ** 2;
    den += (x.t - mt) ** 2;
  }
  return Math.sqrt(sse / (n - 2) / den) * 60;
}

const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? "—" : n.toLocaleString("en", { minimumFractionDigits: d, maximumFractionDigits: d }));

// --- Run ----------------------------------------------------------------------------------------
const rx = receiver();
const url = await rx.listen();
const dir = mkdtempSync(join(tmpdir(), "audit-bench-soak-"));
const problems = [];
let final;
let lastProgress;
let timedOut = false;
let child;
let exit;
let trailBytes = 0;
let hungStillOpen = 0;
const readback = { events: 0, soak: 0, other: {}, missing: 0, missingSamples: [], badLines: 0, seconds: 0 };
// Last resort: even the read-back and clean-up must end.
const hardStop = setTimeout(() => {
  console.error(`soak: still running ${TIMEOUT_S + 300} s after the start; giving up`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, (TIMEOUT_S + 300) * 1000);
hardStop.unref();

try {
  console.error(`soak: ${fmt(EVENTS)} events → ${url} (500 for ${FAIL * 100}%, hang for ${HANG * 100}% of requests, seed ${SEED}); trail in ${dir}; timeout ${TIMEOUT_S} s`);
  const childPath = fileURLToPath(new URL("./soak-child.mjs", import.meta.url));
  child = spawn(process.execPath, ["--expose-gc", childPath, dir, url, String(EVENTS), String(CHUNK)], { stdio: ["ignore", "pipe", "inherit"] });
  const killer = setTimeout(() => {
    timedOut = true;
    console.error(`soak: no end after ${TIMEOUT_S} s; killing the producer`);
    child.kill("SIGKILL");
  }, TIMEOUT_S * 1000);
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on("line", (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      console.error(`soak: producer said: ${line}`);
      return;
    }
    if (msg.final) final = msg.final;
    else if (msg.progress) {
      lastProgress = msg.progress;
      const p = msg.progress;
      const c = rx.counts;
      console.error(
        `soak: [${p.phase}] t=${p.t.toFixed(1)}s recorded=${fmt(p.recorded)} delivered=${fmt(p.delivered)} pending=${fmt(p.pending)} rss=${p.rss_mb} MB heap-after-gc=${p.heap_after_gc_mb ?? "—"} MB | receiver: ${fmt(c.requests)} requests, ${fmt(c.failed)}×500, ${fmt(c.hung)} hung, ${fmt(rx.accepted.size)} ids`,
      );
    }
  });
  exit = await new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  clearTimeout(killer);
  const wall = now();
  console.error(`soak: producer ended after ${wall.toFixed(1)} s (${exit.signal ? `signal ${exit.signal}` : `exit ${exit.code}`}); reading the trail back`);

  // --- Read the trail back: every recorded event must have reached the receiver. ----------------
  const readStart = performance.now();
  for (const f of listSegments(dir)) trailBytes += statSync(f).size;
  for await (const e of readTrail(dir, { onBadLine: () => readback.badLines++ })) {
    readback.events++;
    if (e.name === "soak") readback.soak++;
    else readback.other[e.name ?? e.type] = (readback.other[e.name ?? e.type] ?? 0) + 1;
    if (!rx.accepted.has(e.id)) {
      readback.missing++;
      if (readback.missingSamples.length < 5) readback.missingSamples.push(`seq ${e.seq}`);
    }
  }
  readback.seconds = (performance.now() - readStart) / 1000;
  readback.wall = wall;
} finally {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  hungStillOpen = rx.hungOpen();
  await rx.close();
  rmSync(dir, { recursive: true, force: true });
}

// --- Figures and verdict --------------------------------------------------------------------------
const c = rx.counts;
const stats = final?.stats;
const hook = stats?.sinks?.webhook;
if (timedOut) problems.push(`did not finish within ${TIMEOUT_S} s (producer killed at ${lastProgress ? `phase "${lastProgress.phase}", ${fmt(lastProgress.recorded)} recorded, ${fmt(lastProgress.pending)} pending` : "start"})`);
if (!timedOut && (exit.code !== 0 || exit.signal)) problems.push(`the producer failed (${exit.signal ? `signal ${exit.signal}` : `exit status ${exit.code}`})`);
if (!final) problems.push("the producer printed no final result");
if (final && final.recorded !== EVENTS) problems.push(`the producer recorded ${fmt(final.recorded)} of ${fmt(EVENTS)} events`);
if (readback.soak !== EVENTS) problems.push(`the JSONL trail holds ${fmt(readback.soak)} of ${fmt(EVENTS)} soak events`);
if (stats && readback.events !== stats.recorded) problems.push(`the trail holds ${fmt(readback.events)} events but stats().recorded is ${fmt(stats.recorded)}`);
if (readback.missing > 0) problems.push(`${fmt(readback.missing)} events of the trail never reached the receiver (first: ${readback.missingSamples.join(", ")})`);
if (final && !final.shutdown.complete) problems.push(`shutdown() reported incomplete delivery: ${JSON.stringify(final.shutdown.pending)}`);
if (hook && (hook.failed || hook.dropped)) problems.push(`the webhook sink dead-lettered ${fmt(hook.failed)} and dropped ${fmt(hook.dropped)} events`);
if (c.badBodies) problems.push(`${fmt(c.badBodies)} request bodies were not a batch of events`);
if (readback.badLines) problems.push(`${fmt(readback.badLines)} unreadable lines in the trail`);
const extra = rx.accepted.size - (readback.events - readback.missing);
if (extra > 0) problems.push(`${fmt(extra)} ids accepted by the receiver are not in the trail`);

const samples = final?.rss ?? [];
const settled = samples.filter((s) => s.t >= WARMUP_S);
const rssStart = settled[0]?.mb;
const rssPeak = samples.length ? Math.max(...samples.map((s) => s.mb)) : undefined;
const rssEnd = samples[samples.length - 1]?.mb;
const slope = slopePerMinute(settled);
const slopeRecording = slopePerMinute(settled.filter((s) => s.phase === "recording"));
const slopeDraining = slopePerMinute(settled.filter((s) => s.phase !== "recording"));
const nRecording = settled.filter((s) => s.phase === "recording").length;
const rssAtRecordEnd = [...samples].reverse().find((s) => s.phase === "recording")?.mb;
// RSS trend without the sawtooth: the minimum of each full RSS_WINDOW_S window after the warm-up.
const rssMinima = [];
if (settled.length) {
  const tEnd = samples[samples.length - 1].t;
  for (let w = WARMUP_S; w + RSS_WINDOW_S <= tEnd + 1e-9; w += RSS_WINDOW_S) {
    const inWindow = settled.filter((s) => s.t >= w && s.t < w + RSS_WINDOW_S);
    if (inWindow.length) rssMinima.push(inWindow.reduce((a, b) => (b.mb < a.mb ? b : a)));
  }
}
const rssMinSlope = slopePerMinute(rssMinima);
// After a forced full GC (every 5 s, and at record end and at the end).
const gcAll = final?.after_gc ?? [];
// Settled: after the warm-up, while the trail runs (the sample after shutdown() is reported as "end"
// but left out of the fits: shutdown legitimately lets go of the trail's sockets and buffers).
const gcSettled = gcAll.filter((s) => s.t >= WARMUP_S && s.phase !== "done");
const gcRecEnd = final?.after_gc_at_record_end;
const gcEnd = final?.after_gc_at_end;
const gcStart = gcSettled[0];
const gcField = (field, list) => list.map((s) => ({ t: s.t, mb: s[field] }));
const heapSlope = slopePerMinute(gcField("heap", gcSettled));
const heapSlopeErr = slopeStdErr(gcField("heap", gcSettled));
const heapSlopeRecording = slopePerMinute(gcField("heap", gcSettled.filter((s) => s.phase === "recording")));
const heapSlopeDraining = slopePerMinute(gcField("heap", gcSettled.filter((s) => s.phase !== "recording")));
const externalSlope = slopePerMinute(gcField("external", gcSettled));
const externalSlopeErr = slopeStdErr(gcField("external", gcSettled));
const externalRange = gcSettled.length ? [Math.min(...gcSettled.map((s) => s.external)), Math.max(...gcSettled.map((s) => s.external))] : [];
const rssAfterGcSlope = slopePerMinute(gcField("rss", gcSettled));
const rssAfterGcSlopeErr = slopeStdErr(gcField("rss", gcSettled));
const heapPeakAfterGc = gcAll.length ? Math.max(...gcAll.map((s) => s.heap)) : undefined;
const gcMsMax = gcAll.length ? Math.max(...gcAll.map((s) => s.gc_ms)) : undefined;
const flatByHeap = heapSlope !== undefined && heapSlope < FLAT_SLOPE;
const flatByPeak = rssStart !== undefined && rssPeak < rssStart + FLAT_HEADROOM;
const flat = flatByHeap && flatByPeak;
const requests = c.requests;
const result = {
  events: EVENTS,
  ok: problems.length === 0,
  problems,
  wall_seconds: readback.wall,
  record_seconds: final?.record_seconds,
  events_per_second_recorded: final ? EVENTS / final.record_seconds : undefined,
  delivery_finished_at: final?.delivery_finished_at,
  shutdown_seconds: final?.shutdown_seconds,
  receiver: { ...c, hungStillOpen, acceptedIds: rx.accepted.size, meanBatch: c.requests ? (c.acceptedEvents + c.refusedEvents) / c.requests : undefined },
  readback: { ...readback, trail_mb: trailBytes / 2 ** 20 },
  stats,
  stats_at_record_end: final?.stats_at_record_end,
  shutdown: final?.shutdown,
  rss: {
    start_after_warmup_mb: rssStart,
    peak_mb: rssPeak,
    at_record_end_mb: rssAtRecordEnd,
    end_mb: rssEnd,
    slope_mb_per_min: slope,
    slope_recording: slopeRecording,
    slope_draining: slopeDraining,
    window_s: RSS_WINDOW_S,
    window_minima: rssMinima.map((s) => [s.t, s.mb]),
    window_minima_slope_mb_per_min: rssMinSlope,
    samples: samples.length,
    series: samples.map((s) => [s.t, s.mb]),
  },
  after_gc: {
    every_ms: final?.gc_every_ms,
    samples: gcAll.length,
    settled_samples: gcSettled.length,
    start_after_warmup: gcStart,
    at_record_end: gcRecEnd,
    end: gcEnd,
    heap_peak_mb: heapPeakAfterGc,
    heap_slope_mb_per_min: heapSlope,
    heap_slope_stderr: heapSlopeErr,
    heap_slope_recording: heapSlopeRecording,
    heap_slope_draining: heapSlopeDraining,
    external_slope_mb_per_min: externalSlope,
    external_slope_stderr: externalSlopeErr,
    external_range_mb: externalRange,
    rss_slope_mb_per_min: rssAfterGcSlope,
    rss_slope_stderr: rssAfterGcSlopeErr,
    gc_ms_max: gcMsMax,
    // [t, heapUsed, external, arrayBuffers, rss, phase] after each forced GC (MB)
    series: gcAll.map((s) => [s.t, s.heap, s.external, s.array_buffers, s.rss, s.phase]),
  },
  flat: {
    flat,
    rule: `heap-after-GC slope < ${FLAT_SLOPE} MB/min (least squares over the samples after ${WARMUP_S} s) AND RSS peak < RSS at ${WARMUP_S} s + ${FLAT_HEADROOM} MB`,
    heap_slope_passes: flatByHeap,
    rss_peak_passes: flatByPeak,
  },
};
console.log(JSON.stringify({ ...result, rss: { ...result.rss, series: undefined }, after_gc: { ...result.after_gc, series: undefined } }, null, 2));
console.log(JSON.stringify({ rss_series: result.rss.series }));
console.log(JSON.stringify({ after_gc_series: result.after_gc.series }));

// --- BENCHMARKS.md ------------------------------------------------------------------------------
const pct = (n) => (requests ? `${((n / requests) * 100).toFixed(1)}%` : "—");
const batchNote =
  c.maxBatch && c.maxBatch < BATCH_SIZE
    ? `\n\nRequests carried at most ${fmt(c.maxBatch)} events although the trail is configured with \`delivery.batchSize: ${BATCH_SIZE}\`${c.maxBatch === 100 ? ": `webhookSink` brings its own `batchSize` default (100), which takes precedence over the trail-level option" : ""}.`
    : "";
const rows = [
  ["events recorded", fmt(final?.recorded ?? lastProgress?.recorded)],
  ["wall time (start → producer exit)", `${fmt(readback.wall, 1)} s`],
  ["recording", `${fmt(final?.record_seconds, 1)} s = **${fmt(result.events_per_second_recorded)} events/s** (delivery running alongside)`],
  ["delivery finished (`shutdown()` returned)", final ? `${fmt(final.delivery_finished_at, 1)} s after the start (${fmt(final.shutdown_seconds, 1)} s of draining after the last event)` : "—"],
  ["webhook requests", `${fmt(requests)} (mean ${fmt(result.receiver.meanBatch, 0)}, max ${fmt(c.maxBatch)} events each)`],
  ["answered 500", `${fmt(c.failed)} (${pct(c.failed)})`],
  ["hung (never answered)", `${fmt(c.hung)} (${pct(c.hung)}); ${fmt(c.hungClosed)} closed by the sender's 1 s timeout`],
  ["retries (sender)", `${fmt(hook?.retries)}; the sender waited ≈ ${fmt(c.hung * TIMEOUT_MS / 1000)} s in total on hung requests (${fmt(c.hung)} × \`timeoutMs\` ${fmt(TIMEOUT_MS)} ms, one request at a time)`],
  ["duplicates accepted", fmt(c.duplicates)],
  ["**missing** (in the trail, never accepted)", `**${fmt(readback.missing)}**`],
  ["dead-lettered / dropped", `${fmt(hook?.failed)} / ${fmt(hook?.dropped)}`],
  ["JSONL trail", `${fmt(readback.events)} events, ${fmt(trailBytes / 2 ** 20)} MB`],
  ["RSS (producer)", `${fmt(rssStart)} MB at ${WARMUP_S} s, peak **${fmt(rssPeak)} MB**, ${fmt(rssAtRecordEnd)} MB when recording ended, ${fmt(rssEnd)} MB at the end`],
  ["RSS slope after warm-up (raw samples; sawtooth-sensitive)", `${fmt(slope, 2)} MB/min over ${fmt(settled.length)} samples (while recording: ${fmt(slopeRecording, 2)} over ${fmt(nRecording)}; while draining: ${fmt(slopeDraining, 2)} over ${fmt(settled.length - nRecording)})`],
  [`RSS slope of ${RSS_WINDOW_S} s window minima`, `**${fmt(rssMinSlope, 2)} MB/min** over ${fmt(rssMinima.length)} windows (minima ${rssMinima.map((s) => fmt(s.mb)).join(", ")} MB)`],
  [
    "heap after full GC (`heapUsed`)",
    `${fmt(gcStart?.heap, 1)} MB at ${fmt(gcStart?.t, 0)} s, ${fmt(gcRecEnd?.heap, 1)} MB when recording ended (${fmt(gcRecEnd?.t, 0)} s), ${fmt(gcEnd?.heap, 1)} MB at the end (${fmt(gcEnd?.t, 0)} s); peak ${fmt(heapPeakAfterGc, 1)} MB`,
  ],
  [
    "heap-after-GC slope",
    `**${fmt(heapSlope, 2)} MB/min** (± ${fmt(heapSlopeErr, 2)} standard error) over ${fmt(gcSettled.length)} samples (while recording: ${fmt(heapSlopeRecording, 2)}; while draining: ${fmt(heapSlopeDraining, 2)})`,
  ],
  [
    "external / ArrayBuffers after full GC",
    `${fmt(gcStart?.external, 1)} / ${fmt(gcStart?.array_buffers, 1)} MB at ${fmt(gcStart?.t, 0)} s, ${fmt(gcRecEnd?.external, 1)} / ${fmt(gcRecEnd?.array_buffers, 1)} MB when recording ended, ${fmt(gcEnd?.external, 1)} / ${fmt(gcEnd?.array_buffers, 1)} MB at the end; between ${fmt(externalRange[0], 1)} and ${fmt(externalRange[1], 1)} MB after the warm-up, slope ${fmt(externalSlope, 2)} ± ${fmt(externalSlopeErr, 2)} MB/min (not in the rule: I/O buffers in flight)`,
  ],
  [
    "RSS right after each full GC",
    `${fmt(gcStart?.rss, 1)} MB at ${fmt(gcStart?.t, 0)} s, ${fmt(gcRecEnd?.rss, 1)} MB when recording ended, ${fmt(gcEnd?.rss, 1)} MB at the end; slope ${fmt(rssAfterGcSlope, 2)} ± ${fmt(rssAfterGcSlopeErr, 2)} MB/min`,
  ],
  [
    "memory flat?",
    `**${flat ? "yes" : "no"}**: heap-after-GC slope ${fmt(heapSlope, 2)} ${flatByHeap ? "<" : "≥"} ${FLAT_SLOPE} MB/min (${flatByHeap ? "passes" : "fails"}); RSS peak ${fmt(rssPeak, 1)} ${flatByPeak ? "<" : "≥"} ${fmt(rssStart, 1)} + ${FLAT_HEADROOM} = ${fmt(rssStart + FLAT_HEADROOM, 1)} MB (${flatByPeak ? "passes" : "fails"})`,
  ],
];
writeSection(
  "soak",
  `## Soak: ${fmt(EVENTS)} events through a failing webhook

\`npm run bench -- soak\` (\`bench/soak.mjs\`, producer \`bench/soak-child.mjs\`; not part of the default run).
A producer process importing the built package records ${fmt(EVENTS)} custom events (~150 characters of
text each) in chunks of ${fmt(CHUNK)}, yielding between chunks, into a JSONL trail and a signed
\`webhookSink\` (default redaction and integrity; \`delivery: { batchSize: ${BATCH_SIZE}, lingerMs: 50, timeoutMs: 1000,
initialBackoffMs: 20, maxBackoffMs: 1000 }\`), then awaits \`shutdown({ timeoutMs: 600_000 })\`. The receiver, a
\`node:http\` server in the parent process, answers 500 to ${FAIL * 100}% of requests and never answers ${HANG * 100}% (seeded
PRNG, seed ${SEED}); it keeps the id of every event it accepted, and the trail is read back afterwards to
check that every recorded event was accepted at least once.

| measure | result |
|---|---|
${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}

**${problems.length ? `FAILED: ${problems.join("; ")}` : `Nothing lost: all ${fmt(readback.events)} events of the trail reached the receiver.`}**

The producer runs with \`--expose-gc\`. RSS is sampled every second. Every ${fmt((final?.gc_every_ms ?? 5000) / 1000)} s (and when recording
ends, and after \`shutdown()\`) it forces a full GC (\`global.gc()\`, at most ${fmt(gcMsMax, 0)} ms) and samples
\`process.memoryUsage()\` right after it: the heap still used after a full GC is what the process
really retains, free of the GC sawtooth and of V8 growing its heap lazily, so it is the leak measure.
Raw RSS slopes are not (a GC cycle moves RSS by tens of MB); the slope of the per-${RSS_WINDOW_S} s minima is
the RSS trend with the sawtooth taken out. Slopes are least-squares fits over the samples after the
first ${WARMUP_S} s. Rule for "flat" (reported, not a failure; only a lost event fails the run): heap-after-GC
slope < ${FLAT_SLOPE} MB/min **and** RSS peak < (RSS at ${WARMUP_S} s) + ${FLAT_HEADROOM} MB. External memory after GC is reported but
left out of the rule: it is mostly I/O buffers in flight and moves by tens of MB from one sample to the next.
The forced GCs also lower the RSS sawtooth somewhat compared with a run without them.${batchNote}

${await machine()}`,
);
process.exit(problems.length ? 1 : 0);
