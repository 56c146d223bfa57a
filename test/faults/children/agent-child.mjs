// A user's agent, run as its own process against the BUILT package: createAgent with a scripted
// model and tools, run after run, until the test kills it. At every effect (the model answering,
// a tool doing its work) and after each run returns, it prints the ids of the events recorded
// since its last line, synchronously (fs.writeSync on the stdout pipe), so a line the test reads
// names events that existed before that effect:
//   {"effect": "model" | "tool" | "run_end", "run": n, "before": ["<event id>", ...]}
// A memory sink beside the JSONL trail sees every event the moment it is sealed (it is not batched).
import { writeSync } from "node:fs";
import { createAuditTrail, jsonlSink, memorySink } from "agent-audit-trail";
import { createAgent, tool, AIMessage, HumanMessage } from "langchain";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import * as z from "zod";

const config = JSON.parse(process.argv[2]);
const seen = memorySink();
const trail = createAuditTrail({ sinks: [jsonlSink({ dir: config.dir }), seen], level: config.level ?? "debug" });
let reported = 0;
let run = 0;
const report = (effect) => {
  const fresh = seen.events.slice(reported);
  const before = fresh.map((e) => e.id);
  const types = fresh.map((e) => `${e.type}${e.parent_run_id ? "" : "(root)"}`);
  reported = seen.events.length;
  writeSync(1, `${JSON.stringify({ effect, run, before, types })}\n`);
};
const spin = (ms) => {
  const until = Date.now() + ms;
  while (Date.now() < until);
};

const tools = [0, 1, 2].map((i) =>
  tool(
    async ({ q }) => {
      report("tool");
      spin(Math.floor(Math.random() * 3));
      return `result ${i} for ${q}: ${"lorem ipsum ".repeat(1 + Math.floor(Math.random() * 400))}`;
    },
    { name: `lookup_${i}`, description: "Looks something up.", schema: z.object({ q: z.string() }) },
  ),
);

class ScriptedModel extends BaseChatModel {
  _llmType() {
    return "scripted";
  }
  bindTools() {
    return this;
  }
  async _generate(messages) {
    report("model");
    const toolTurns = messages.filter((m) => m._getType() === "tool").length;
    const message =
      toolTurns >= config.toolsPerRun
        ? new AIMessage({ content: "Done.", usage_metadata: { input_tokens: 30, output_tokens: 3, total_tokens: 33 } })
        : new AIMessage({ content: "", tool_calls: [{ id: `c${run}-${toolTurns}`, name: `lookup_${toolTurns % 3}`, args: { q: `question ${run}` }, type: "tool_call" }], usage_metadata: { input_tokens: 12, output_tokens: 6, total_tokens: 18 } });
    return { generations: [{ text: "", message }] };
  }
}

const agent = createAgent({ model: new ScriptedModel({}), tools });
writeSync(1, `${JSON.stringify({ step: "running", chain: trail.chainId })}\n`);
for (;;) {
  run++;
  await agent.invoke({ messages: [new HumanMessage(`Run ${run}: look it up for jane@example.com`)] }, { callbacks: [trail.handler()], metadata: { session_id: `s-${run % 7}` } });
  report("run_end");
  if (seen.events.length > 5_000) {
    seen.clear();
    reported = 0;
  }
}
