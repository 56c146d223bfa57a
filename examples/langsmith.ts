// Forward an agent's audit trail to LangSmith (its batch ingestion, through the langsmith client).
// Real account: LANGSMITH_API_KEY=lsv2_… [LANGSMITH_PROJECT=…] npx tsx examples/langsmith.ts
// Without a key it sends to a local stub server and prints what would have been sent.
// Tip: leave LANGSMITH_TRACING unset, or LangChain's own tracer sends the same runs a second time.
import { HumanMessage } from "langchain";
import { createAuditTrail, jsonlSink, langsmithSink } from "agent-audit-trail";
import { exampleAgent } from "./support/agent.js";
import { startStub } from "./support/stub-server.js";

const real = Boolean(process.env.LANGSMITH_API_KEY);
const stub = real ? undefined : await startStub("langsmith");
const trail = createAuditTrail({
  sinks: [jsonlSink({ dir: ".audit" }), langsmithSink(real ? {} : { apiKey: "lsv2_stub", apiUrl: stub!.url, projectName: "example" })],
});
await exampleAgent().invoke(
  { messages: [new HumanMessage("Flights to Paris?")] },
  { callbacks: [trail.handler({ sessionId: "sess_langsmith_example", userId: "user_456" })] },
);
console.log(await trail.shutdown({ timeoutMs: 10_000 }));
await stub?.close();
