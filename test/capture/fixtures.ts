/** Small real LangChain pieces for the capture tests: tools, agents and models that run offline. */
import { createAgent, tool, fakeModel, AIMessage } from "langchain";
import * as z from "zod";

export const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, total_tokens: input + output });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function searchTool(delayMs = 0) {
  return tool(
    async ({ to }) => {
      if (delayMs) await sleep(delayMs);
      return `3 flights to ${to}`;
    },
    { name: "search_flights", description: "search flights", schema: z.object({ to: z.string() }) },
  );
}

export function weatherTool(delayMs = 0) {
  return tool(
    async ({ city }) => {
      if (delayMs) await sleep(delayMs);
      return `sunny in ${city}`;
    },
    { name: "get_weather", description: "weather", schema: z.object({ city: z.string() }) },
  );
}

export function failingTool(message = "Payment API timeout") {
  return tool(
    async () => {
      const err = new Error(message);
      err.name = "PaymentTimeoutError";
      throw err;
    },
    { name: "book_flight", description: "book", schema: z.object({ flight: z.string() }) },
  );
}

/** An agent that calls search_flights once, then answers. */
export function oneToolAgent(answer = "Found 3 flights.") {
  const model = fakeModel()
    .respond(new AIMessage({ content: "Let me search.", tool_calls: [{ id: "call_1", name: "search_flights", args: { to: "Paris" }, type: "tool_call" }], usage_metadata: usage(10, 5), response_metadata: { model_name: "gpt-test" } }))
    .respond(new AIMessage({ content: answer, usage_metadata: usage(20, 4), response_metadata: { model_name: "gpt-test" } }));
  return createAgent({ model, tools: [searchTool()] });
}
