// Handler overhead on the agent's hot path: `npm run bench` (builds first, runs with --expose-gc).
//
// One offline createAgent run = fake model → one tool call → fake model → answer. Three variants,
// measured interleaved in the same process so machine noise hits them alike:
//   none   no callbacks at all
//   noop   a BaseCallbackHandler implementing every callback with an empty body (awaited, like ours)
//   audit  AuditCallbackHandler at the default level, writing the JSONL trail to a temp dir
// Reported: median per-run time of each variant, and the median over rounds of audit/noop.
// Then RSS growth over 5,000 audited runs. Results are written to BENCHMARKS.md.
import { createAgent, tool, AIMessage, HumanMessage } from "langchain";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import * as z from "zod";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink } from "../dist/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const RUNS_PER_ROUND = Number(process.env.BENCH_RUNS ?? 150);
const RSS_RUNS = Number(process.env.BENCH_RSS_RUNS ?? 5000);

const search = tool(async ({ to }) => `3 flights to ${to}`, {
  name: "search_flights",
  description: "Search flights.",
  schema: z.object({ to: z.string() }),
});

/**
 * A fake chat model that keeps no history (LangChain's fakeModel records every call, which would
 * show up as our memory growth): it asks for the tool first, and answers once the tool has replied.
 */
class ScriptedModel extends BaseChatModel {
  calls = 0;
  _llmType() {
    return "scripted";
  }
  bindTools() {
    return this;
  }
  async _generate(messages) {
    const last = messages[messages.length - 1];
    const message =
      last?._getType() === "tool"
        ? new AIMessage({ content: "Found 3 flights to Paris.", usage_metadata: { input_tokens: 30, output_tokens: 7, total_tokens: 37 } })
        : new AIMessage({ content: "Searching.", tool_calls: [{ id: `c${this.calls++}`, name: "search_flights", args: { to: "Paris" }, type: "tool_call" }], usage_metadata: { input_tokens: 12, output_tokens: 6, total_tokens: 18 } });
    return { generations: [{ text: "", message }] };
  }
}

const agent = createAgent({ model: new ScriptedModel({}), tools: [search] });

class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  awaitHandlers = true;
  handleChainStart() {}
  handleChainEnd() {}
  handleChainError() {}
  handleChatModelStart() {}
  handleLLMStart() {}
  handleLLMNewToken() {}
  handleLLMEnd() {}
  handleLLMError() {}
  handleToolStart() {}
  handleToolEnd() {}
  handleToolError() {}
  handleRetrieverStart() {}
  handleRetrieverEnd() {}
  handleRetrieverError() {}
  handleCustomEvent() {}
}

const dir = mkdtempSync(join(tmpdir(), "audit-bench-"));
const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
const variants = {
  none: { callbacks: () => [] },
  noop: { callbacks: () => [new NoopHandler()] },
  audit: { callbacks: () => [trail.handler()] },
};

const input = () => ({ messages: [new HumanMessage("Flights to Paris for jane@example.com?")] });

async function batch(name, runs) {
  const callbacks = variants[name].callbacks();
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await agent.invoke(input(), { callbacks, metadata: { session_id: `bench-${i % 50}` } });
  return Number(process.hrtime.bigint() - start) / 1e6 / runs;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Warm up every variant (JIT, module caches) until per-run times settle.
for (let i = 0; i < 3; i++) for (const name of Object.keys(variants)) await batch(name, 100);

const perRun = { none: [], noop: [], audit: [] };
const ratios = [];
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so no variant always runs first.
  const order = Object.keys(variants);
  for (let k = 0; k < round % order.length; k++) order.push(order.shift());
  const times = {};
  for (const name of order) times[name] = await batch(name, RUNS_PER_ROUND);
  for (const name of order) perRun[name].push(times[name]);
  ratios.push(times.audit / times.noop);
  process.stderr.write(`round ${round + 1}/${ROUNDS}: none ${times.none.toFixed(3)} ms, noop ${times.noop.toFixed(3)} ms, audit ${times.audit.toFixed(3)} ms, audit/noop ${(times.audit / times.noop).toFixed(3)}\n`);
}

// Memory: growth over RSS_RUNS runs, after full GCs, for the no-op handler and then ours. LangChain
// and LangGraph themselves retain memory run after run (it shows with no callbacks at all), so the
// handler's own share is the difference between the two.
const gc = globalThis.gc ?? (() => {});
async function growth(name) {
  const callbacks = variants[name].callbacks();
  gc();
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < RSS_RUNS; i++) await agent.invoke(input(), { callbacks, metadata: { session_id: `rss-${i}` } });
  gc();
  gc();
  const after = process.memoryUsage();
  return { heapMB: (after.heapUsed - before.heapUsed) / 2 ** 20, rssMB: (after.rss - before.rss) / 2 ** 20 };
}
const memNoop = await growth("noop");
const memAudit = await growth("audit");
await trail.shutdown();
const stats = trail.stats();
const eventsPerRun = stats.recorded / (ROUNDS * RUNS_PER_ROUND + 300 + RSS_RUNS);
rmSync(dir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString().slice(0, 10),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
  memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
  rounds: ROUNDS,
  runsPerRound: RUNS_PER_ROUND,
  msPerRun: { none: median(perRun.none), noop: median(perRun.noop), audit: median(perRun.audit) },
  ratioAuditNoop: median(ratios),
  ratioAuditNone: median(perRun.audit) / median(perRun.none),
  memNoop,
  memAudit,
  handlerHeapMB: memAudit.heapMB - memNoop.heapMB,
  rssRuns: RSS_RUNS,
  eventsPerRun,
  internalErrors: stats.internal_errors,
};
console.log(JSON.stringify(result, null, 2));

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const f = (n) => n.toFixed(3);
writeFileSync(
  new URL("../BENCHMARKS.md", import.meta.url),
  `# Benchmarks

Measured by \`npm run bench\` (\`bench/handler-overhead.mjs\`); this file is rewritten by each run.
Machine noise is shared by all variants: they run interleaved in one process (order rotated each
round) and the ratio is the median of per-round ratios. Nothing here is asserted by the test suite.

## Handler overhead on an offline \`createAgent\` run

One run: fake model → one tool call → fake model → final answer (≈${eventsPerRun.toFixed(0)} audit events per run
at the default level \`debug\`, written to the JSONL trail with one \`write(2)\` each).

| variant | median ms / run |
|---|---|
| no callbacks | ${f(result.msPerRun.none)} |
| no-op \`BaseCallbackHandler\` (awaited) | ${f(result.msPerRun.noop)} |
| \`AuditCallbackHandler\` → JSONL | ${f(result.msPerRun.audit)} |

- **audit / no-op: ${result.ratioAuditNoop.toFixed(3)}×** (target ≤ 1.10×; median of ${ROUNDS} rounds × ${RUNS_PER_ROUND} runs)
- audit / no callbacks: ${result.ratioAuditNone.toFixed(3)}×
- Memory over ${RSS_RUNS.toLocaleString("en")} runs (after full GCs), no-op handler then ours in the same process:

  | | heap growth | RSS growth |
  |---|---|---|
  | no-op handler | ${memNoop.heapMB.toFixed(1)} MB | ${memNoop.rssMB.toFixed(1)} MB |
  | \`AuditCallbackHandler\` → JSONL | ${memAudit.heapMB.toFixed(1)} MB | ${memAudit.rssMB.toFixed(1)} MB |

  **The handler's own share (heap, ours − no-op): ${result.handlerHeapMB.toFixed(1)} MB** (target ≤ 20 MB). LangChain and
  LangGraph retain memory per run by themselves (the no-op row), which no handler can remove.
- handler internal errors during the benchmark: ${result.internalErrors}

For reference (figures from the issue, same kind of run): Langfuse v5's LangChain handler ≈ 1.35×,
LangSmith's tracer ≈ 3×.

Run on ${result.date}: Node ${result.node}, ${result.cpus}, ${result.memory}; agent-audit-trail ${pkg.version}.
`,
);
