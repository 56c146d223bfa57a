// The columnar index at scale: `npm run bench -- scale` (not in the default run).
// A seeded generator writes BENCH_EVENTS events (default 1,000,000; the goal is 10M) through the
// real writer (createAuditTrail + jsonlSink), spread over 30 closed days; proportions follow issue
// 21's 10M shape scaled down: one session per 200 events, one user per 5,000, 30 tools, 8 models,
// 3% of tool calls fail. Then, in a fresh child process (so RSS is the reader's own): compaction,
// disk size of the JSONL vs the index, each query's first and best-of-3 time, and peak RSS.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);

if (process.argv[2] === "--read") await read(process.argv[3]);
else if (process.argv[2] === "--compact") await compact(process.argv[3]);
else await main();

async function main() {
  const { createAuditTrail, jsonlSink } = await import("../dist/index.js");
  const { writeSection, machine } = await import("./report.mjs");
  const { scaleChart } = await import("./scale-chart.mjs");
  const { seededRandom } = await import("./seeded.mjs");
  // BENCH_DIR keeps the trail (and reuses one already written there): a 10M trail takes minutes to write.
  const kept = process.env.BENCH_DIR;
  const dir = kept ?? mkdtempSync(join(tmpdir(), "audit-bench-scale-"));
  if (kept) mkdirSync(kept, { recursive: true });
  const reuse = kept !== undefined && readdirSync(kept).some((f) => f.endsWith(".jsonl"));
  try {
    // (An LCG in doubles used to stand here: it fell into a short cycle, 9,937 of 50,000 sessions at 10M.)
    const rand = seededRandom(42);
    const sessions = Math.max(1, Math.round(N / 200));
    const users = Math.max(1, Math.round(N / 5000));
    const tools = Array.from({ length: 30 }, (_, i) => `tool_${i}`);
    const models = Array.from({ length: 8 }, (_, i) => `model-${i}`);
    const DAY = 86_400_000;
    const end = Date.parse(new Date(Date.now() - DAY).toISOString().slice(0, 10)) + DAY - 60_000; // yesterday, closed
    const T0 = end - 30 * DAY;
    const trail = reuse ? undefined : createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { checkpointEvery: 100_000 } });
    const started = performance.now();
    const runs = reuse ? 0 : Math.floor(N / 5);
    if (reuse) console.error(`scale: reusing the trail in ${kept}`);
    for (let i = 0; i < runs; i++) {
      const time = T0 + Math.floor((i / runs) * 30 * DAY);
      const s = Math.floor(rand() * sessions);
      const base = { session_id: `s-${s}`, user_id: `u-${s % users}`, trace_id: `t-${i}` };
      const model = models[Math.floor(rand() * 8)];
      const tool = tools[Math.floor(rand() * 30)];
      const usage = { input_tokens: 200 + Math.floor(rand() * 800), output_tokens: 20 + Math.floor(rand() * 200) };
      usage.total_tokens = usage.input_tokens + usage.output_tokens;
      const failed = rand() < 0.03;
      trail.emit({ ...base, level: "info", type: "input", data: { content: `request ${i} about ${tool}` }, time });
      trail.emit({ ...base, level: "debug", type: "llm_end", name: model, data: { model, usage, cost: usage.total_tokens * 2e-7 }, duration_ms: 300 + Math.floor(rand() * 900), time: time + 1 });
      trail.emit({ ...base, level: failed ? "error" : "info", type: failed ? "tool_error" : "tool_end", name: tool, data: { tool, ...(failed ? { error: { type: "Timeout", message: "timed out" } } : { result: "ok" }) }, duration_ms: 20 + Math.floor(rand() * 1500), status: failed ? "error" : "ok", time: time + 2 });
      trail.emit({ ...base, level: "debug", type: "llm_end", name: model, data: { model, usage, cost: usage.total_tokens * 2e-7 }, duration_ms: 300 + Math.floor(rand() * 900), time: time + 3 });
      trail.emit({ ...base, level: failed ? "error" : "info", type: "output", data: { content: "done", llm_calls: 2, tool_calls: 1, errors: failed ? 1 : 0, usage }, status: failed ? "error" : "ok", duration_ms: 2000, time: time + 4 });
    }
    await trail?.shutdown();
    // A reused trail keeps the figures of the run that wrote and compacted it, beside it.
    const record = kept && `${kept.replace(/\/+$/, "")}.bench.json`;
    const earlier = reuse && record && existsSync(record) ? JSON.parse(readFileSync(record, "utf8")) : {};
    const writeS = earlier.writeS ?? (performance.now() - started) / 1000;
    console.error(`scale: wrote ${N.toLocaleString("en")} events in ${writeS.toFixed(1)} s`);
    const phase = (name) => {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name, dir], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
      if (child.status !== 0) throw new Error(`${name} failed (${child.status})`);
      return JSON.parse(child.stdout);
    };
    const c = earlier.compact ?? phase("--compact");
    if (record && !earlier.compact) writeFileSync(record, JSON.stringify({ writeS, compact: c }));
    const r = { ...phase("--read"), ...c };
    const s = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
    const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
    const rows = r.queries.map((q) => `| ${q.name} | ${s(q.first)} | ${s(q.best)} | ${q.goal === undefined ? "—" : `< ${s(q.goal)} ${q.best < q.goal ? "met" : "**not met**"}`} | ${q.scan === undefined ? "—" : s(q.scan)} |`);
    writeFileSync(fileURLToPath(new URL("./scale.svg", import.meta.url)), scaleChart(r.queries.filter((q) => q.goal !== undefined), `The columnar index on ${N.toLocaleString("en")} events: time per query (log scale)`));
    const md = `## Scale: the columnar index on ${N.toLocaleString("en")} events (\`scale\`)

\`BENCH_EVENTS=${N} npm run bench -- scale\`. ${await machine()}

A seeded generator wrote ${N.toLocaleString("en")} events (${sessions.toLocaleString("en")} sessions, ${users.toLocaleString("en")} users, 30 tools, 8 models, 3% failed tool calls, 30 closed days) through \`createAuditTrail\` + \`jsonlSink\` in ${writeS.toFixed(1)} s. A fresh process then compacted the ${r.segments} closed segments into the index in ${(r.compactMs / 1000).toFixed(1)} s. On disk: JSONL ${mb(r.jsonlBytes)}, index ${mb(r.indexBytes)} (${(r.indexBytes / r.jsonlBytes).toFixed(2)}× the JSONL).

![each query's first and best time against its goal](bench/scale.svg)

| query (index) | first | best of 3 | goal (issue 21) | streaming scan (\`--no-index\`), once |
|---|---|---|---|---|
${rows.join("\n")}

Peak RSS of the reading process: ${mb(r.maxRss)}; of the compacting one: ${mb(r.compactRss)}. Goals (issue 21, at 10M): each aggregate < 0.5 s, one session < 100 ms, the viewer's first page < 1 s, RSS < 500 MB, index ≤ 0.5× the JSONL.
`;
    writeSection("scale", md);
    console.log(md);
  } finally {
    if (!kept) rmSync(dir, { recursive: true, force: true });
  }
}

async function read(dir) {
  const { IndexedStore, JsonlStore } = await import("../dist/index.js");
  const { sessionsPage } = await import("../dist/serve/sessions.js");
  const { serve } = await import("../dist/serve/server.js");
  const size = (d) => readdirSync(d).reduce((n, f) => n + (statSync(join(d, f)).isFile() ? statSync(join(d, f)).size : 0), 0);
  const segments = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  const jsonlBytes = segments.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  let t;
  const store = new IndexedStore(dir);
  const scan = new JsonlStore(dir);
  const oneSession = `s-${Math.floor(Math.max(1, Math.round(N / 200)) / 3)}`;
  // A lookup that finds nothing measures nothing: the session must be there.
  const nonEmpty = (n) => {
    if (n === 0) throw new Error(`scale: session ${oneSession} has no events; the generator is broken`);
    return n;
  };
  // The trail's last closed week, from its newest segment's day.
  const weekAgo = Date.parse(`${segments.sort().at(-1).slice(0, 10)}T00:00:00Z`) - 6 * 86_400_000;
  const drain = async (it) => {
    let n = 0;
    for await (const _ of it) n++;
    return n;
  };
  const server = await serve({ store, dir, port: 0 });
  const queries = [
    // [name, through the index, through the scan, goal in ms (issue 21; none: reported only)]
    ["session list, top 50", () => sessionsPage(store, {}, 50), () => sessionsPage(scan, {}, 50), 500],
    ["tool stats (p50/p95)", () => store.toolStats(), () => scan.toolStats(), 500],
    ["error rate per day", () => store.errorRate(), () => scan.errorRate(), 500],
    ["cost by model per day", () => store.modelUsage(), () => scan.modelUsage(), 500],
    ["cost by user per day", () => store.userUsage(), () => scan.userUsage(), 500],
    ["one session's events", () => drain(store.events({ sessionId: oneSession })).then(nonEmpty), () => drain(scan.events({ sessionId: oneSession })), 100],
    ["viewer first page (HTTP /api/sessions)", () => fetch(new URL("/api/sessions?limit=50", server.url)).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); }), undefined, 1000],
    // Filtered questions read the events, not the rollups: reported, no goal set.
    ["CLI session list (agent-audit sessions)", () => store.listSessions(), undefined, undefined],
    ["session list of one user", () => sessionsPage(store, { userId: "u-7" }, 50), undefined, undefined],
    ["tool stats, one week", () => store.toolStats({ since: new Date(weekAgo), until: new Date(weekAgo + 7 * 86_400_000) }), undefined, undefined],
  ];
  const results = [];
  for (const [name, run, , goal] of queries) {
    const times = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    results.push({ name, first: times[0], best: Math.min(...times), goal });
    console.error(`scale: ${name}: first ${times[0].toFixed(0)} ms, best ${Math.min(...times).toFixed(0)} ms`);
  }
  const maxRss = process.resourceUsage().maxRSS * 1024;
  // The scan, once each, for comparison (after RSS is read: it is not the index's memory).
  if (process.env.BENCH_SCAN !== "0") {
    for (const [i, [name, , viaScan]] of queries.entries()) {
      if (!viaScan) continue;
      t = performance.now();
      await viaScan();
      results[i].scan = performance.now() - t;
      console.error(`scale: scan ${name}: ${results[i].scan.toFixed(0)} ms`);
    }
  }
  await server.close();
  await store.close();
  process.stdout.write(JSON.stringify({ segments: segments.length, jsonlBytes, indexBytes: size(join(dir, ".index")), queries: results, maxRss }));
}

/** `agent-audit index`, as a process of its own: compaction's time and memory apart from the reads'. */
async function compact(dir) {
  const { IndexedStore } = await import("../dist/index.js");
  const t = performance.now();
  const compactor = new IndexedStore(dir);
  await compactor.volume();
  await compactor.close();
  process.stdout.write(JSON.stringify({ compactMs: performance.now() - t, compactRss: process.resourceUsage().maxRSS * 1024 }));
}
