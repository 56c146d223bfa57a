// Stores at scale: `npm run bench` (under scripts/with-postgres.sh, which provides DATABASE_URL).
// 1. Insert throughput into PostgreSQL: BENCH_STORE_EVENTS events (default 1,000,000) through
//    postgresSink in batches of 1,000, events per second.
// 2. Query latency on both stores holding the same events: one session's events, and `stats`
//    (tool latency percentiles, errors per day, tokens and cost per model, hourly volume).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink, postgresSink, JsonlStore, PostgresStore } from "../dist/index.js";
import { readTrail } from "../dist/store/jsonl.js";
import { statsReport } from "../dist/store/stats-report.js";
import { writeSection, machine } from "./report.mjs";

const N = Number(process.env.BENCH_STORE_EVENTS ?? 1_000_000);
const DB = process.env.DATABASE_URL;
if (!DB) {
  console.error("bench/store.mjs: DATABASE_URL is not set (run it through scripts/with-postgres.sh); skipped");
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "audit-bench-store-"));
const table = `bench_${Date.now() % 1e6}`;
const T0 = Date.parse("2026-10-01T00:00:00Z");
const tools = ["search_flights", "book_flight", "get_weather", "send_email"];
const models = ["gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-flash"];

// Generate: runs of 5 events (input, llm_end, tool_end|tool_error, llm_end, output) over 30 days.
const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { checkpointEvery: 100_000 } });
let started = Date.now();
for (let i = 0; i < N / 5; i++) {
  const time = T0 + Math.floor((i / (N / 5)) * 30 * 86_400_000);
  const base = { session_id: `s-${i % 20_000}`, user_id: `u-${i % 5_000}`, trace_id: `t-${i}` };
  const model = models[i % 3];
  const tool = tools[i % 4];
  const usage = { input_tokens: 500 + (i % 300), output_tokens: 80 + (i % 50), total_tokens: 580 + (i % 300) + (i % 50) };
  trail.emit({ ...base, level: "info", type: "input", data: { content: `request ${i}` }, time });
  trail.emit({ ...base, level: "debug", type: "llm_end", name: model, data: { model, usage, cost: 0.0004 }, duration_ms: 800 + (i % 400), time: time + 1 });
  const failed = i % 37 === 0;
  trail.emit({ ...base, level: failed ? "error" : "info", type: failed ? "tool_error" : "tool_end", name: tool, data: { tool, result: "ok" }, duration_ms: 50 + ((i * 7) % 900), status: failed ? "error" : "ok", time: time + 2 });
  trail.emit({ ...base, level: "debug", type: "llm_end", name: model, data: { model, usage, cost: 0.0004 }, duration_ms: 700 + (i % 300), time: time + 3 });
  trail.emit({ ...base, level: "info", type: "output", data: { content: "done" }, status: failed ? "error" : "ok", duration_ms: 2000, time: time + 4 });
}
await trail.shutdown();
const generateSeconds = (Date.now() - started) / 1000;
console.error(`generated ${N.toLocaleString("en")} events in ${generateSeconds.toFixed(1)} s`);

// 1. Insert throughput.
const sink = postgresSink({ connectionString: DB, table });
await sink.send([]).catch(() => {}); // create the table outside the timing
let batch = [];
let insertMs = 0;
const flush = async () => {
  const t = process.hrtime.bigint();
  const r = await sink.send(batch);
  insertMs += Number(process.hrtime.bigint() - t) / 1e6;
  if (!r.ok) throw new Error(r.error);
  batch = [];
};
for await (const e of readTrail(dir)) {
  batch.push(e);
  if (batch.length === 1000) await flush();
}
if (batch.length) await flush();
await sink.close();
const insertRate = N / (insertMs / 1000);
console.error(`inserted at ${Math.round(insertRate)} events/s`);

// 2. Query latency (each measured 3 times; the median is reported).
const stores = { jsonl: new JsonlStore(dir), postgres: new PostgresStore({ connectionString: DB, table }) };
await stores.postgres.pool.query(`ANALYZE ${table}`);
const median3 = async (f) => {
  const xs = [];
  for (let k = 0; k < 3; k++) {
    const t = process.hrtime.bigint();
    await f();
    xs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return xs.sort((a, b) => a - b)[1];
};
const latency = {};
for (const [name, store] of Object.entries(stores)) {
  const session = async () => {
    let n = 0;
    for await (const _ of store.events({ sessionId: "s-123" })) n++;
    return n;
  };
  latency[name] = { sessionMs: await median3(session), statsMs: await median3(() => statsReport(store, {})) };
  console.error(`${name}: session ${latency[name].sessionMs.toFixed(0)} ms, stats ${latency[name].statsMs.toFixed(0)} ms`);
}
await stores.postgres.pool.query(`DROP TABLE ${table}, ${table}_maintenance CASCADE`);
await stores.postgres.close();
rmSync(dir, { recursive: true, force: true });
const result = { events: N, generateSeconds, insertRate, latency };
console.log(JSON.stringify(result, null, 2));

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
writeSection(
  "store",
  `## Stores: PostgreSQL inserts, and queries on both stores

\`bench/store.mjs\` (run by \`npm run bench\` under \`scripts/with-postgres.sh\`: a local PostgreSQL 15, fsync off).
${N.toLocaleString("en")} events (runs of input → model → tool → model → output over 30 days, 20,000 sessions, 5,000 users).

- **PostgreSQL insert throughput: ${Math.round(insertRate).toLocaleString("en")} events/s** through \`postgresSink\` (batches of 1,000, multi-row \`INSERT … ON CONFLICT DO NOTHING\`, 5 indexes).

| query | JSONL trail (scan) | PostgreSQL |
|---|---|---|
| one session's events (\`query --session\`, ${N / 5 / 20_000 * 5} events) | ${ms(latency.jsonl.sessionMs)} | ${ms(latency.postgres.sessionMs)} |
| \`stats\` over all ${N.toLocaleString("en")} events | ${ms(latency.jsonl.statsMs)} | ${ms(latency.postgres.statsMs)} |

The JSONL store scans every segment for every question (stats runs four scans); PostgreSQL uses
its indexes for lookups and aggregates in the server. Medians of 3.

${await machine()}`,
);
