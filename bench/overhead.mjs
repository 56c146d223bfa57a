// Overhead of our handler next to no handler, a no-op handler, Langfuse and LangSmith, on three
// offline createAgent shapes: `npm run bench -- overhead` (builds first). Not a test: nothing is
// asserted; results go to BENCHMARKS.md (section `overhead`) and bench/overhead.svg.
//
// Variants (bench/overhead-setup.mjs): none · noop (empty BaseCallbackHandler, awaited like ours) ·
// ours (createAuditTrail + jsonlSink, defaults) · ours-info (level "info") · ours-noredact
// (redaction: false) · langfuse (@langfuse/langchain CallbackHandler + @langfuse/otel
// LangfuseSpanProcessor on a NodeTracerProvider) · langsmith (LangChainTracer + langsmith Client).
// The peers export to a loopback server in another process (bench/overhead-sink.mjs), which
// counts what they sent; the counts are printed and written to the report.
//
// Method. One process; for each shape, rounds of blocks: every variant runs a block of runs, the
// order rotated each round, so a burst of noise lands on one block, not on one variant. Per block:
//   agent path  wall time of the block's runs + awaitAllCallbacks() (LangChain queues handlers
//               that are not awaited — Langfuse's and LangSmith's — and they are still handler work)
//   export      then the variant's flush, off the agent's path (Langfuse: processor.forceFlush();
//               LangSmith: client.awaitPendingTraceBatches(); ours: trail.flush(), which finds
//               nothing left because our file writes happen at commit points on the agent's path).
//               Both peers export in the background by design (batch span processor, auto-batch
//               queue), so this is measured as CPU time of this process (process.cpuUsage), not wall
//               time, which would include their timers and the loopback round trips.
//   GC          PerformanceObserver 'gc' entries whose start falls in the block (runs + flush).
// Headline: per round, variant / noop on the agent path; median over rounds with interquartile
// range. Also with the export CPU added ("incl. export"). Added cost vs Langfuse per round:
// (ours − noop) / (langfuse − noop). Memory: each (shape, variant) in a fresh child process
// (bench/overhead-child.mjs), flushing every block as here.
//
// Knobs: BENCH_ROUNDS (21), BENCH_BLOCK (20 runs; the 10-tool shape uses a quarter of it),
// BENCH_MEMORY_RUNS (400; the 10-tool shape a tenth), BENCH_SHAPES (comma list), BENCH_NO_MEMORY=1,
// BENCH_NO_WRITE=1 (print only, leave BENCHMARKS.md and the SVG alone).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { SHAPES, VARIANTS, makeVariant, startSink, RESULT_BYTES } from "./overhead-setup.mjs";
import { writeSection, machine } from "./report.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const BLOCK = Number(process.env.BENCH_BLOCK ?? 20);
const MEMORY_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 400);
const NO_MEMORY = process.env.BENCH_NO_MEMORY === "1";
const NO_WRITE = process.env.BENCH_NO_WRITE === "1";
const SHAPE_NAMES = (process.env.BENCH_SHAPES ?? Object.keys(SHAPES).join(",")).split(",").filter(Boolean);
for (const s of SHAPE_NAMES) if (!SHAPES[s]) throw new Error(`unknown shape ${s}; shapes: ${Object.keys(SHAPES).join(", ")}`);
/** Runs per block for a shape: the 10-tool shape is ≈ 10× longer per run. */
const blockFor = (shape) => (shape === "ten-tools-20k" ? Math.max(1, Math.round(BLOCK / 4)) : BLOCK);
const memoryRunsFor = (shape) => (shape === "ten-tools-20k" ? Math.max(5, Math.round(MEMORY_RUNS / 10)) : MEMORY_RUNS);

const GOALS = { ratio: 1.05, added: 0.2, rssMB: 10 };
const started = Date.now();
const loadAtStart = loadavg()[0];
const command = `npm run bench -- overhead${Object.keys(process.env).filter((k) => k.startsWith("BENCH_")).map((k) => ` (${k}=${process.env[k]})`).join("")}`;

const quantile = (xs, q) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};
const median = (xs) => quantile(xs, 0.5);
const summary = (xs) => ({ median: median(xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75) });

// --- Setup ----------------------------------------------------------------------------------------
const sink = await startSink();
const dir = mkdtempSync(join(tmpdir(), "audit-bench-overhead-"));
const variants = {};
for (const name of VARIANTS) variants[name] = await makeVariant(name, { port: sink.port, dir });

const gcEntries = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
});
gcObserver.observe({ entryTypes: ["gc"] });

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One block of `runs` runs of a shape with a variant: agent-path ms/run, export CPU ms/run, and its time window. */
async function block(shape, name, runs, offset) {
  const v = variants[name];
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await SHAPES[shape].run(v.callbacks, offset + i);
  await v.settle();
  const t1 = performance.now();
  const c0 = cpuMs();
  await v.flush();
  const exportCpu = cpuMs() - c0;
  const t2 = performance.now();
  return { ms: (t1 - t0) / runs, exportMs: exportCpu / runs, window: [t0, t2] };
}

// --- 1. Interleaved timing ------------------------------------------------------------------------
const results = {};
const runsDone = {};
for (const shape of SHAPE_NAMES) {
  const runs = blockFor(shape);
  process.stderr.write(`overhead: ${shape}: warm-up`);
  for (let pass = 0; pass < 2; pass++) for (const name of VARIANTS) await block(shape, name, runs, 0);
  const blocks = []; // { round, variant, ms, exportMs, window }
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...VARIANTS];
    for (let k = 0; k < round % order.length; k++) order.push(order.shift());
    for (const name of order) {
      blocks.push({ round, variant: name, ...(await block(shape, name, runs, round * runs)) });
      runsDone[name] = (runsDone[name] ?? 0) + runs;
    }
    process.stderr.write(` ${round + 1}`);
  }
  process.stderr.write("\n");
  results[shape] = { runsPerBlock: runs, blocks };
}
gcObserver.disconnect();
await new Promise((r) => setTimeout(r, 50));

// GC time per block: entries that started inside the block's window (runs + flush).
for (const shape of SHAPE_NAMES) {
  for (const b of results[shape].blocks) {
    const [t0, t1] = b.window;
    b.gcMs = gcEntries.filter((e) => e.start >= t0 && e.start < t1).reduce((n, e) => n + e.duration, 0) / results[shape].runsPerBlock;
  }
}

const sinkStats = await sink.stats();
const trailStats = Object.fromEntries(["ours", "ours-info", "ours-noredact"].map((n) => [n, variants[n].stats()]));
for (const name of VARIANTS) await variants[name].close();

// --- 2. Memory, one fresh process per (shape, variant) --------------------------------------------
const child = fileURLToPath(new URL("./overhead-child.mjs", import.meta.url));
const memory = {};
if (!NO_MEMORY) {
  for (const shape of SHAPE_NAMES) {
    memory[shape] = {};
    process.stderr.write(`overhead: ${shape}: memory`);
    for (const name of VARIANTS) {
      const out = execFileSync(process.execPath, ["--expose-gc", child, shape, name, String(memoryRunsFor(shape)), String(blockFor(shape)), String(sink.port)], {
        encoding: "utf8",
        env: { ...process.env, TMPDIR: tmpdir() },
      });
      memory[shape][name] = JSON.parse(out.trim().split("\n").pop());
      process.stderr.write(` ${name}`);
    }
    process.stderr.write("\n");
  }
}
const sinkStatsAll = await sink.stats();
sink.stop();
rmSync(dir, { recursive: true, force: true });

// --- 3. Figures -----------------------------------------------------------------------------------
const report = {};
for (const shape of SHAPE_NAMES) {
  const { blocks } = results[shape];
  const byRound = [];
  for (const b of blocks) (byRound[b.round] ??= {})[b.variant] = b;
  const per = (fn) => byRound.map(fn);
  const shapeReport = { variants: {} };
  for (const name of VARIANTS) {
    const mine = blocks.filter((b) => b.variant === name);
    shapeReport.variants[name] = {
      msPerRun: median(mine.map((b) => b.ms)),
      exportCpuMsPerRun: median(mine.map((b) => b.exportMs)),
      gcMsPerRun: median(mine.map((b) => b.gcMs)),
      ratioNoop: summary(per((r) => r[name].ms / r.noop.ms)),
      ratioNoopInclExport: summary(per((r) => (r[name].ms + r[name].exportMs) / (r.noop.ms + r.noop.exportMs))),
      memory: memory[shape]?.[name],
    };
  }
  const added = (a, b, withExport) =>
    summary(
      per((r) => {
        const t = (n) => r[n].ms + (withExport ? r[n].exportMs : 0);
        return (t(a) - t("noop")) / (t(b) - t("noop"));
      }),
    );
  shapeReport.added = {};
  for (const ours of ["ours", "ours-info", "ours-noredact"]) {
    shapeReport.added[ours] = { langfuse: added(ours, "langfuse", false), langfuseInclExport: added(ours, "langfuse", true), langsmith: added(ours, "langsmith", false) };
  }
  report[shape] = shapeReport;
}

const result = {
  date: new Date().toISOString().slice(0, 10),
  command,
  node: process.version,
  rounds: ROUNDS,
  block: BLOCK,
  memoryRuns: MEMORY_RUNS,
  minutes: (Date.now() - started) / 60_000,
  toolResultBytes: RESULT_BYTES,
  exportsDuringTiming: sinkStats,
  exportsIncludingMemoryChildren: sinkStatsAll,
  trail: Object.fromEntries(Object.entries(trailStats).map(([n, s]) => [n, { recorded: s.recorded, eventsPerRun: s.recorded / runsDone[n], internal_errors: s.internal_errors }])),
  shapes: report,
};
console.log(JSON.stringify(result, null, 2));

const misconfigured = [];
if (!(sinkStats["langfuse otlp"]?.items > 0)) misconfigured.push("langfuse exported no spans");
if (!((sinkStats["langsmith multipart"]?.items ?? 0) + (sinkStats["langsmith batch"]?.items ?? 0) > 0)) misconfigured.push("langsmith exported no runs");
if (misconfigured.length) {
  console.error(`overhead: misconfigured peer: ${misconfigured.join("; ")}`);
  process.exit(1);
}
if (NO_WRITE) process.exit(0);

// --- 4. BENCHMARKS.md and the chart ---------------------------------------------------------------
const LABEL = {
  none: "no callbacks",
  noop: "no-op handler (awaited)",
  ours: "**ours** (defaults: level debug, redaction on)",
  "ours-info": "ours, `level: \"info\"`",
  "ours-noredact": "ours, `redaction: false`",
  langfuse: "Langfuse v5 (`@langfuse/langchain` + `@langfuse/otel`)",
  langsmith: "LangSmith (`LangChainTracer` + `langsmith` Client)",
};
const f2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const f1 = (n) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const iqr = (s) => `${f2(s.median)} (${f2(s.p25)}–${f2(s.p75)})`;
const mark = (ok) => (ok ? "**met**" : "**missed**");

let body = `## Overhead next to Langfuse and LangSmith (\`overhead\`)

\`bench/overhead.mjs\`, run with \`${command}\` on ${result.date} (${result.minutes.toFixed(1)} min).
Offline \`createAgent\` runs with scripted models; every variant in one process, interleaved in
blocks (order rotated each round, ${ROUNDS} rounds); ratios are medians over rounds of the per-round
ratio, with the interquartile range in parentheses. Variants: no callbacks; a no-op
\`BaseCallbackHandler\` awaited like ours; ours (\`createAuditTrail({ sinks: [jsonlSink({ dir })] }).handler()\`)
at the defaults, with \`level: "info"\`, with \`redaction: false\`; Langfuse v5 (its LangChain
\`CallbackHandler\`, \`LangfuseSpanProcessor\` on a \`NodeTracerProvider\`, default batching); LangSmith
(\`LangChainTracer\` with a \`langsmith\` \`Client\`). Both peers export to a loopback server in another process.

- **ms/run** and **×noop** time the agent's path: the block's runs plus \`awaitAllCallbacks()\`
  (the peers' handlers are not awaited by LangChain; their queued work is still charged here).
- **export** is the CPU the peer's flush takes at the end of each block, per run (\`processor.forceFlush()\`,
  \`client.awaitPendingTraceBatches()\`, \`trail.flush()\`): both peers export in the background by design,
  so it is off the agent's path and not in **×noop**; **×noop incl. export** adds it. Ours writes its
  JSONL at commit points on the agent's path, so its flush finds next to nothing.
- **GC** is the garbage-collection time (\`PerformanceObserver\`, \`gc\`) inside the variant's blocks, per run.
- **RSS**: each variant alone in a fresh process, warm-up, then N runs (flushing every block), growth
  after a full GC and the process's peak RSS. Growth over a few hundred runs is within the
  allocator's noise (it can be negative); the peak is the steadier figure.
- **added vs Langfuse**: per round \`(ours − noop) / (langfuse − noop)\`, median (IQR).

Load average (1 min) at start / end of the run: ${loadAtStart.toFixed(1)} / ${loadavg()[0].toFixed(1)} on ${(await import("node:os")).cpus().length} CPUs
(the machine is shared; above the CPU count, other processes were competing with this one).

Goals from the issue: ours ≤ ${GOALS.ratio}× noop; ours' added cost ≤ ${GOALS.added} × Langfuse's; RSS growth ≤ +${GOALS.rssMB} MB vs noop.

![median ratio vs noop per variant and shape, with interquartile whiskers](bench/overhead.svg)
`;

for (const shape of SHAPE_NAMES) {
  const r = report[shape];
  const runs = results[shape].runsPerBlock;
  body += `\n### ${SHAPES[shape].label} (\`${shape}\`; ${runs} runs per block${memory[shape] ? `; memory over ${memoryRunsFor(shape)} runs` : ""})\n\n`;
  body += `| variant | ms/run | ×noop (IQR) | ×noop incl. export (IQR) | export CPU ms/run | GC ms/run | RSS growth MB | peak RSS MB |\n|---|---|---|---|---|---|---|---|\n`;
  for (const name of VARIANTS) {
    const v = r.variants[name];
    body += `| ${LABEL[name]} | ${f2(v.msPerRun)} | ${iqr(v.ratioNoop)} | ${iqr(v.ratioNoopInclExport)} | ${f2(v.exportCpuMsPerRun)} | ${f2(v.gcMsPerRun)} | ${f1(v.memory?.rssMB)} | ${f1(v.memory?.peakRssMB)} |\n`;
  }
  const ours = r.variants.ours;
  const add = r.added.ours;
  const rssDelta = ours.memory && r.variants.noop.memory ? ours.memory.rssMB - r.variants.noop.memory.rssMB : NaN;
  body += `\n- ours ≤ ${GOALS.ratio}× noop: ${f2(ours.ratioNoop.median)}× (IQR ${f2(ours.ratioNoop.p25)}–${f2(ours.ratioNoop.p75)}) — ${mark(ours.ratioNoop.median <= GOALS.ratio)}\n`;
  body += `- ours' added cost ≤ ${GOALS.added} × Langfuse's: ${iqr(add.langfuse)} on the agent's path — ${mark(add.langfuse.median <= GOALS.added)}; ${iqr(add.langfuseInclExport)} with the peers' export CPU counted\n`;
  body += `- RSS growth vs noop ≤ +${GOALS.rssMB} MB: ${Number.isFinite(rssDelta) ? `${rssDelta >= 0 ? "+" : ""}${f1(rssDelta)} MB` : "not measured"} — ${Number.isFinite(rssDelta) ? mark(rssDelta <= GOALS.rssMB) : "–"}\n`;
  body += `- added cost vs Langfuse of ours at \`level: "info"\`: ${iqr(r.added["ours-info"].langfuse)}; with \`redaction: false\`: ${iqr(r.added["ours-noredact"].langfuse)}. Ours vs LangSmith's added cost: ${iqr(add.langsmith)}\n`;
}

const expRow = (key, what) => {
  const s = sinkStats[key];
  return s ? `| ${key} | ${s.requests} | ${(s.bytes / 2 ** 20).toFixed(1)} | ${what === "" ? "" : s.items} ${what} |\n` : "";
};
body += `
### What the peers exported (timing phase)

Counted by the loopback server (\`bench/overhead-sink.mjs\`); a peer that sends nothing would be misconfigured.

| endpoint | requests | MiB | items |
|---|---|---|---|
${expRow("langfuse otlp", "spans")}${expRow("langsmith info", "")}${expRow("langsmith multipart", "run parts")}${expRow("langsmith batch", "runs")}
Our trail during the timing phase: ${Object.entries(result.trail).map(([n, s]) => `${n} ${s.eventsPerRun.toFixed(1)} events/run (averaged over all shapes), ${s.internal_errors} internal errors`).join("; ")}.

${await machine()}
`;
writeSection("overhead", body);

// --- SVG chart: per shape, one bar per variant = median ratio vs noop, whiskers = IQR --------------
const COLORS = { none: "#9e9e9e", noop: "#616161", ours: "#1565c0", "ours-info": "#42a5f5", "ours-noredact": "#90caf9", langfuse: "#e65100", langsmith: "#2e7d32" };
const panelW = 300;
const panelH = 260;
const top = 40;
const left = 50;
const barW = 28;
const gap = 50;
const width = Math.max(760, left + SHAPE_NAMES.length * (panelW + gap) + 10);
const height = top + panelH + 110;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">\n`;
svg += `<rect width="100%" height="100%" fill="white"/>\n`;
svg += `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">Time per agent run vs a no-op handler (median of ${ROUNDS} rounds, whiskers: IQR)</text>\n`;
SHAPE_NAMES.forEach((shape, p) => {
  const x0 = left + p * (panelW + gap);
  const vs = report[shape].variants;
  const maxV = Math.max(1.2, ...VARIANTS.map((n) => vs[n].ratioNoop.p75).filter(Number.isFinite));
  const niceStep = maxV <= 2 ? 0.25 : maxV <= 4 ? 0.5 : maxV <= 10 ? 1 : Math.ceil(maxV / 10);
  const yMax = Math.ceil(maxV / niceStep) * niceStep;
  const y = (v) => top + panelH - (v / yMax) * panelH;
  svg += `<g>\n<text x="${x0 + panelW / 2}" y="${top - 6}" text-anchor="middle" font-weight="bold">${esc(SHAPES[shape].label)}</text>\n`;
  for (let t = 0; t <= yMax + 1e-9; t += niceStep) {
    svg += `<line x1="${x0}" x2="${x0 + panelW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`;
    svg += `<text x="${x0 - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" fill="#555">${t.toFixed(2)}</text>\n`;
  }
  svg += `<line x1="${x0}" x2="${x0 + panelW}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#333" stroke-dasharray="4 3"/>\n`;
  svg += `<line x1="${x0}" x2="${x0 + panelW}" y1="${y(GOALS.ratio).toFixed(1)}" y2="${y(GOALS.ratio).toFixed(1)}" stroke="#c62828" stroke-dasharray="2 2"/>\n`;
  const slot = panelW / VARIANTS.length;
  VARIANTS.forEach((name, i) => {
    const s = vs[name].ratioNoop;
    const cx = x0 + slot * i + slot / 2;
    const h = y(0) - y(s.median);
    svg += `<rect x="${(cx - barW / 2).toFixed(1)}" y="${y(s.median).toFixed(1)}" width="${barW}" height="${h.toFixed(1)}" fill="${COLORS[name]}"><title>${esc(`${name}: ${f2(s.median)}× (IQR ${f2(s.p25)}–${f2(s.p75)})`)}</title></rect>\n`;
    svg += `<line x1="${cx}" x2="${cx}" y1="${y(s.p25).toFixed(1)}" y2="${y(s.p75).toFixed(1)}" stroke="black"/>`;
    svg += `<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(s.p25).toFixed(1)}" y2="${y(s.p25).toFixed(1)}" stroke="black"/>`;
    svg += `<line x1="${cx - 5}" x2="${cx + 5}" y1="${y(s.p75).toFixed(1)}" y2="${y(s.p75).toFixed(1)}" stroke="black"/>\n`;
    svg += `<text x="${cx}" y="${(y(s.p75) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${f2(s.median)}</text>\n`;
    svg += `<text transform="translate(${cx + 3},${top + panelH + 8}) rotate(45)" font-size="10">${esc(name)}</text>\n`;
  });
  svg += `<line x1="${x0}" x2="${x0}" y1="${top}" y2="${top + panelH}" stroke="#333"/><line x1="${x0}" x2="${x0 + panelW}" y1="${top + panelH}" y2="${top + panelH}" stroke="#333"/>\n</g>\n`;
});
svg += `<text x="${left}" y="${height - 10}" fill="#555">dashed black: noop (1.0) · dotted red: goal for ours (${GOALS.ratio}×) · ${esc(result.date)}, Node ${esc(process.version)}, ${esc(command)}</text>\n`;
svg += `</svg>\n`;
writeFileSync(new URL("./overhead.svg", import.meta.url), svg);
console.error("overhead: wrote BENCHMARKS.md (section overhead) and bench/overhead.svg");
