// Audit a LangChain v1 agent with an explicit trail: JSONL on disk plus readable console lines.
// Run: npm run build && npx tsx examples/create-agent.ts
import { createAgent, tool, fakeModel, AIMessage, HumanMessage } from "langchain";
import * as z from "zod";
import { createAuditTrail, jsonlSink, consoleSink } from "agent-audit-trail";

const getWeather = tool(async ({ city }) => `Sunny, 21°C in ${city}`, {
  name: "get_weather",
  description: "Current weather for a city.",
  schema: z.object({ city: z.string() }),
});
const model = fakeModel()
  .respond(new AIMessage({ content: "Checking the weather.", tool_calls: [{ id: "call_1", name: "get_weather", args: { city: "Lyon" }, type: "tool_call" }] }))
  .respond(new AIMessage("It is sunny and 21°C in Lyon."));

const trail = createAuditTrail({ sinks: [jsonlSink({ dir: ".audit" }), consoleSink()], level: "debug" });
const agent = createAgent({ model, tools: [getWeather] });
await agent.invoke(
  { messages: [new HumanMessage("What's the weather in Lyon?")] },
  { callbacks: [trail.handler({ sessionId: "sess_agent_example", userId: "user_456" })] },
);
await trail.shutdown();
console.log(trail.stats());
