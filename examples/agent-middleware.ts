// Audit a createAgent agent from inside, with a tool-use policy that blocks one call. Offline.
// Run: npm run build && npx tsx examples/agent-middleware.ts
import { createAgent, tool, fakeModel, AIMessage, HumanMessage } from "langchain";
import * as z from "zod";
import { createAuditTrail, memorySink, renderTimeline } from "agent-audit-trail";

const sendEmail = tool(async ({ to }) => `sent to ${to}`, {
  name: "send_email",
  description: "Send an e-mail.",
  schema: z.object({ to: z.string(), body: z.string() }),
});
const model = fakeModel()
  .respond(
    new AIMessage({
      content: "Sending the report to both recipients.",
      tool_calls: [
        { id: "call_1", name: "send_email", args: { to: "ceo@acme.test", body: "Q3 report" }, type: "tool_call" },
        { id: "call_2", name: "send_email", args: { to: "leak@rival.test", body: "Q3 report" }, type: "tool_call" },
      ],
    }),
  )
  .respond(new AIMessage("Sent to ceo@acme.test; the second recipient was refused by policy."));

const events = memorySink();
// Company addresses are not personal data here: keep them readable in the trail.
const trail = createAuditTrail({ sinks: [events], level: "info", redaction: { allow: [/@acme\.test$/] } });
const agent = createAgent({
  model,
  tools: [sendEmail],
  middleware: [
    // Last in the list: closest to the provider, it records the request exactly as sent.
    trail.middleware({
      policy: [{ tool: "send_email", when: (args) => !String(args.to).endsWith("@acme.test"), action: "block", reason: "recipients must be at acme.test" }],
    }),
  ],
});
await agent.invoke({ messages: [new HumanMessage("Send the Q3 report to the CEO and to leak@rival.test")] }, { configurable: { thread_id: "thread_middleware_example" } });
await trail.shutdown();
for (const line of renderTimeline(events.events, { color: process.stdout.isTTY })) console.log(line);
