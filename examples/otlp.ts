// Forward an agent's audit trail to any OpenTelemetry backend (OTLP/HTTP, GenAI conventions).
// Real backend: OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 [OTEL_EXPORTER_OTLP_HEADERS=…] npx tsx examples/otlp.ts
//   Datadog:   OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.datadoghq.com  OTEL_EXPORTER_OTLP_HEADERS=dd-api-key=<key>
//   New Relic: OTEL_EXPORTER_OTLP_ENDPOINT=https://otlp.nr-data.net   OTEL_EXPORTER_OTLP_HEADERS=api-key=<license key>
// Without an endpoint it sends to a local stub server and prints what would have been sent.
import { HumanMessage } from "langchain";
import { createAuditTrail, jsonlSink, otlpSink } from "agent-audit-trail";
import { exampleAgent } from "./support/agent.js";
import { startStub } from "./support/stub-server.js";

const real = Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
const stub = real ? undefined : await startStub("otlp");
const trail = createAuditTrail({
  sinks: [jsonlSink({ dir: ".audit" }), otlpSink(real ? { serviceName: "travel-agent" } : { url: stub!.url, serviceName: "travel-agent" })],
});
await exampleAgent().invoke(
  { messages: [new HumanMessage("Flights to Paris?")] },
  { callbacks: [trail.handler({ sessionId: "sess_otlp_example", userId: "user_456" })] },
);
console.log(await trail.shutdown({ timeoutMs: 10_000 }));
await stub?.close();
