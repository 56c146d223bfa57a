/**
 * The real `@langchain/ollama` chat model against a local server answering with recorded Ollama
 * `/api/chat` NDJSON streams (test/providers/fixtures/ollama, see SOURCES.md there).
 *
 * There is no non-streamed case to test: @langchain/ollama (1.x) always sends `stream: true`.
 * Its `_generate` (a plain invoke, `streaming` unset or false) consumes its own
 * `_streamResponseChunks`, which calls `/api/chat` with `stream: true` hard-coded; no option makes
 * it ask for the single JSON body of `stream: false`. So every call below is an NDJSON stream, and
 * llm_start says `stream: true` because that is what went out.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatOllama } from "@langchain/ollama";
import { weather } from "./tools.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { recordedError } from "./errors.js";
import { fixture, ndjsonChunks, ProviderServer } from "./server.js";

const server = new ProviderServer();
beforeAll(async () => void (await server.start()));
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.on("/api/chat", (r) => ({
    type: "application/x-ndjson",
    chunks: ndjsonChunks(fixture((r.json as { tools?: unknown[] }).tools?.length ? "ollama/chat-tool-call.ndjson" : "ollama/chat-answer.ndjson")),
    gapMs: 3,
  }));
});


async function call(tools: boolean) {
  const { trail, events } = memoryTrail();
  const m = new ChatOllama({ model: "llama3.2", baseUrl: server.url, temperature: 0.1, numPredict: 200 });
  await (tools ? m.bindTools([weather]) : m).invoke("Weather in Paris?", { callbacks: [trail.handler()] });
  await trail.flush();
  expectValidEvents(events);
  return { start: ofType(events, "llm_start")[0]!, end: ofType(events, "llm_end")[0]!, sent: server.requests[0]!.json as Record<string, unknown> };
}

describe("@langchain/ollama", () => {
  it("answer: the model tag that answered, done_reason, prompt_eval_count/eval_count as usage, parameters as sent; no price for a local model", async () => {
    const { start, end, sent } = await call(false);
    expect(sent).toMatchObject({ model: "llama3.2", options: { temperature: 0.1, num_predict: 200 }, stream: true });
    expect(start.data).toMatchObject({ provider: "ollama", model: "llama3.2", params: { stream: true, options: { temperature: 0.1, num_predict: 200 } } });
    expect(start.data.tools).toBeUndefined();
    expect(end.data).toMatchObject({
      model: "llama3.2:3b",
      finish_reason: "stop",
      usage: { input_tokens: 31, output_tokens: 9, total_tokens: 40 },
      output: { content: "It is 18°C and sunny in Paris." },
      streamed: true,
      chunks: 5,
      cost_source: "unknown",
    });
    expect(end.data.cost).toBeUndefined();
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(end.data.time_to_first_token_ms).toBeLessThanOrEqual(end.duration_ms!);
  });

  it("tool call: the call with its parsed arguments, the model tag, done_reason and the usage from the done line, parameters and tools as sent", async () => {
    const { start, end, sent } = await call(true);
    expect(sent).toMatchObject({ model: "llama3.2", stream: true, options: { temperature: 0.1, num_predict: 200 }, tools: [{ type: "function", function: { name: "get_weather" } }] });
    expect(start.data).toMatchObject({ provider: "ollama", model: "llama3.2", tools: ["get_weather"], params: { stream: true, options: { temperature: 0.1, num_predict: 200 } } });
    expect(end.data).toMatchObject({
      model: "llama3.2:3b",
      // Ollama ends a turn that asks for a tool with "stop" too.
      finish_reason: "stop",
      usage: { input_tokens: 152, output_tokens: 18, total_tokens: 170 },
      output: { tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] },
      streamed: true,
      chunks: 2,
      cost_source: "unknown",
    });
    const calls = (end.data.output as { tool_calls: Array<{ id?: unknown }> }).tool_calls;
    expect(calls).toHaveLength(1);
    // Ollama gives a call no id; LangChain makes one up so the tool's answer can refer to it.
    expect(calls[0]!.id).toEqual(expect.any(String));
    // The first line is the call itself (no text): it is the first token.
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(end.data.cost).toBeUndefined();
  });

  // Ollama's error body is {"error": "..."}: a missing model is a 404, a crashed runner a 500.
  for (const [status, file, message] of [
    [404, "ollama/error-404.json", /model "llama3.2" not found/],
    [500, "ollama/error-500.json", /llama runner process has terminated/],
  ] as const) {
    it(`a ${status} is an llm_error with Ollama's message, and the caller still gets the error`, async () => {
      server.reset();
      server.on("/api/chat", { status, json: fixture(file) });
      const m = new ChatOllama({ model: "llama3.2", baseUrl: server.url, maxRetries: 0 });
      const err = await recordedError(m, message);
      expect((err.data.error as { message: string }).message).toMatch(message);
      expect(err.data.error).toMatchObject({ type: "ResponseError", http_status: status });
    });
  }
});
