// The small offline agent the forwarding examples record: one tool call, then an answer.
import { createAgent, tool, fakeModel, AIMessage } from "langchain";
import * as z from "zod";

export function exampleAgent() {
  const search = tool(async ({ to }) => `3 flights to ${to}`, { name: "search_flights", description: "Search flights.", schema: z.object({ to: z.string() }) });
  const model = fakeModel()
    .respond(new AIMessage({ content: "Searching.", tool_calls: [{ id: "call_1", name: "search_flights", args: { to: "Paris" }, type: "tool_call" }], usage_metadata: { input_tokens: 20, output_tokens: 5, total_tokens: 25 } }))
    .respond(new AIMessage({ content: "Found 3 flights to Paris.", usage_metadata: { input_tokens: 40, output_tokens: 8, total_tokens: 48 } }));
  return createAgent({ model, tools: [search], name: "travel_agent" });
}
