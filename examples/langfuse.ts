// Forward an agent's audit trail to Langfuse (OTLP, ingestion v4).
// Real account: LANGFUSE_PUBLIC_KEY=pk-lf-… LANGFUSE_SECRET_KEY=sk-lf-… [LANGFUSE_BASE_URL=…] npx tsx examples/langfuse.ts
// Without keys it sends to a local stub server and prints what would have been sent.
// (Run `npm run build` first: examples import the built package.)
import { HumanMessage } from "langchain";
import { createAuditTrail, jsonlSink, langfuseSink } from "agent-audit-trail";
import { exampleAgent } from "./support/agent.js";
import { startStub } from "./support/stub-server.js";

const real = Boolean(process.env.LANGFUSE_PUBLIC_KEY && process.env.LANGFUSE_SECRET_KEY);
const stub = real ? undefined : await startStub("langfuse");
const trail = createAuditTrail({
  sinks: [jsonlSink({ dir: ".audit" }), langfuseSink(real ? { environment: "example" } : { publicKey: "pk-lf-stub", secretKey: "sk-lf-stub", baseUrl: stub!.url })],
});
await exampleAgent().invoke(
  { messages: [new HumanMessage("Flights to Paris? I'm jane@example.com")] },
  { callbacks: [trail.handler({ sessionId: "sess_langfuse_example", userId: "user_456" })] },
);
console.log(await trail.shutdown({ timeoutMs: 10_000 }));
await stub?.close();
