// A user's script writing to the local trail and to ClickHouse, run against the BUILT package (as
// trail-child.mjs, whose line protocol it shares). The events vary (tool calls with durations, model
// calls with usage and cost, failed runs), so every question a store answers has something to count.
//   {"recorded": "<event id>"}            after each trail.record() returned
//   {"step": "stats", stats, errors}      every `statsEveryMs` while streaming (the last one before
//                                         a kill -9 is what the trail had seen of the outage)
//   {"step": "<name>", ...}               after each stage
import { clickhouseSink, createAuditTrail, jsonlSink } from "agent-audit-trail";

const config = JSON.parse(process.argv[2]);
const errors = [];
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const trail = createAuditTrail({
  sinks: [jsonlSink({ dir: config.dir }), clickhouseSink({ ...config.clickhouse, delivery: config.delivery })],
  delivery: config.delivery,
  redaction: false,
  onError: (e) => errors.push(e.message),
});

const record = (i) => {
  const base = { session_id: `s-${config.label}-${i % 3}`, user_id: ["alice", "bob"][i % 2], data: { i, pid: process.pid } };
  let e;
  switch (i % 4) {
    case 0:
      e = trail.record({ ...base, type: "tool_end", name: i % 8 ? "search" : "book", data: { ...base.data, tool: i % 8 ? "search" : "book" }, duration_ms: 10 + (i % 37), status: "ok" });
      break;
    case 1:
      e = trail.record({ ...base, type: "llm_end", level: "info", name: "gpt-4o-mini", data: { ...base.data, model: "gpt-4o-mini", usage: { input_tokens: 100 + i, output_tokens: 7, total_tokens: 107 + i }, cost: 0.0001 * (i % 10) }, duration_ms: 200 + (i % 11) });
      break;
    case 2:
      e = trail.record({ ...base, type: "output", level: i % 10 === 2 ? "error" : "info", status: i % 10 === 2 ? "error" : "ok", duration_ms: 300 });
      break;
    default:
      e = trail.record({ ...base, type: "custom", name: "tick" });
  }
  if (e) print({ recorded: e.id });
  return e !== undefined;
};

let i = 0;
for (; i < (config.count ?? 0); i++) record(i);
print({ step: "recorded", count: i });

if (config.then === "stream") {
  // Records until killed, printing what the trail has seen of the destination as it goes.
  let lastStats = Date.now();
  print({ step: "streaming", chain: trail.chainId });
  for (;;) {
    record(i++);
    await sleep(config.yieldMs ?? 10);
    if (Date.now() - lastStats >= (config.statsEveryMs ?? 200)) {
      lastStats = Date.now();
      print({ step: "stats", stats: trail.stats(), errors });
    }
  }
} else {
  const started = Date.now();
  const result = await trail.shutdown({ timeoutMs: config.timeoutMs });
  print({ step: "shut-down", result, elapsed: Date.now() - started, stats: trail.stats(), errors });
}
