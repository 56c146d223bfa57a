/**
 * `auditMiddleware()` without the callback handler records the same model-call facts as the
 * handler: a real `@langchain/openai` model inside a real createAgent, against recorded bodies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAgent } from "langchain";
import { ChatOpenAI } from "@langchain/openai";
import { auditMiddleware } from "../../src/capture/middleware.js";
import { weather } from "./tools.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { fixture, ProviderServer } from "./server.js";

const server = new ProviderServer();
beforeAll(async () => void (await server.start()));
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  // First call: the model asks for the tool; once the tool's answer is in the conversation, it answers.
  server.on("/v1/chat/completions", (r) => {
    const messages = (r.json as { messages: Array<{ role: string }> }).messages;
    return { json: fixture(messages.some((m) => m.role === "tool") ? "openai/chat-answer.json" : "openai/chat-tool-call.json") };
  });
});


function agent(middleware: ReturnType<typeof auditMiddleware>[] = []) {
  const model = new ChatOpenAI({ model: "gpt-4o", temperature: 0.2, maxTokens: 300, apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: `${server.url}/v1` } });
  return createAgent({ model, tools: [weather], middleware });
}

const FACTS = ["provider", "model", "response_id", "finish_reason", "usage", "system_fingerprint", "cost", "cost_source"] as const;
const pick = (d: Record<string, unknown>) => Object.fromEntries(FACTS.map((k) => [k, d[k]]));

describe("middleware-only mode", () => {
  it("records provider, parameters as sent, returned model, response id, finish reason, usage and cost like the handler", async () => {
    const viaHandler = memoryTrail();
    await agent().invoke({ messages: [{ role: "user", content: "Weather in Paris?" }] }, { callbacks: [viaHandler.trail.handler()] });
    await viaHandler.trail.flush();

    const viaMiddleware = memoryTrail();
    await agent([auditMiddleware({ trail: viaMiddleware.trail })]).invoke({ messages: [{ role: "user", content: "Weather in Paris?" }] });
    await viaMiddleware.trail.flush();
    expectValidEvents(viaMiddleware.events);

    const handlerEnds = ofType(viaHandler.events, "llm_end");
    const middlewareEnds = ofType(viaMiddleware.events, "llm_end");
    expect(middlewareEnds).toHaveLength(2);
    expect(middlewareEnds.map((e) => pick(e.data))).toEqual(handlerEnds.map((e) => pick(e.data)));
    expect(middlewareEnds[0]!.data).toMatchObject({
      provider: "openai",
      model: "gpt-4o-2024-08-06",
      response_id: "chatcmpl-Cq2vY1aB2cD3eF4gH5iJ6kL7mN8o",
      finish_reason: "tool_calls",
      cost: 0.000355,
      output: { tool_calls: [{ id: "call_Xk3pQ9mV2rT8wZ1yB4nC6dF0", name: "get_weather", args: { city: "Paris" } }] },
    });
    const start = ofType(viaMiddleware.events, "llm_start")[0]!;
    expect(start.data).toMatchObject({ provider: "openai", model: "gpt-4o", tools: ["get_weather"], params: { model: "gpt-4o", temperature: 0.2, max_tokens: 300 } });
    expect(server.requests[2]!.json).toMatchObject({ model: "gpt-4o", temperature: 0.2, max_tokens: 300 });

    const output = ofType(viaMiddleware.events, "output")[0]!.data;
    expect(output).toMatchObject({ content: "It is 18°C and sunny in Paris.", llm_calls: 2, tool_calls: 1, models: ["gpt-4o-2024-08-06"], usage: { input_tokens: 82 + 96, output_tokens: 15 + 11 } });
    expect(ofType(viaMiddleware.events, "input")[0]!.data).toMatchObject({ role: "user", content: "Weather in Paris?" });
  });
});
