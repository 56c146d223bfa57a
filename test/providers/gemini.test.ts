/**
 * The real `@langchain/google-genai` chat model against a local server answering with recorded
 * Gemini API bodies (test/providers/fixtures/gemini, see SOURCES.md there).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { weather } from "./tools.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { recordedError } from "./errors.js";
import { fixture, ProviderServer, sseChunks, type Received } from "./server.js";

const server = new ProviderServer();
beforeAll(async () => void (await server.start()));
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  // The request offers tools or not; the fixture answers with a call or with text accordingly.
  const offersTools = (r: Received) => Array.isArray((r.json as { tools?: unknown[] } | undefined)?.tools);
  server.on((r) => r.path.includes(":streamGenerateContent"), (r) => ({ chunks: sseChunks(fixture(offersTools(r) ? "gemini/stream-tool-call.sse" : "gemini/stream-answer.sse")), gapMs: 3 }));
  server.on((r) => r.path.includes(":generateContent"), (r) => ({ json: fixture(offersTools(r) ? "gemini/generate-tool-call.json" : "gemini/generate-answer.json") }));
});


async function call(streaming: boolean, tools = !streaming) {
  const { trail, events } = memoryTrail();
  const m = new ChatGoogleGenerativeAI({ model: "gemini-2.5-flash", apiKey: "test-key", baseUrl: server.url, maxRetries: 0, streaming, temperature: 0.3, maxOutputTokens: 500 });
  await (tools ? m.bindTools([weather]) : m).invoke([{ role: "user", content: "Weather in Paris?" }], { callbacks: [trail.handler()] });
  await trail.flush();
  expectValidEvents(events);
  return { events, start: ofType(events, "llm_start")[0]!, end: ofType(events, "llm_end")[0]!, sent: server.requests[0]! };
}

// gemini-2.5-flash list prices, $ per 1M tokens: input 0.30, output (thinking included) 2.50.
describe("@langchain/google-genai", () => {
  it("non-streamed tool call: thinking tokens counted as output (LangChain drops them), parsed call, cost, parameters as sent", async () => {
    const { start, end, sent } = await call(false);
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent.json).toMatchObject({ generationConfig: { temperature: 0.3, maxOutputTokens: 500 } });
    expect(start.data).toMatchObject({ provider: "google_genai", model: "gemini-2.5-flash", params: { generationConfig: { temperature: 0.3, maxOutputTokens: 500 } } });
    expect((start.data.params as Record<string, unknown>).stream).toBeUndefined();
    expect(end.data).toMatchObject({
      model: "gemini-2.5-flash",
      finish_reason: "STOP",
      // promptTokenCount 74, candidatesTokenCount 16, thoughtsTokenCount 88, totalTokenCount 178
      usage: { input_tokens: 74, output_tokens: 16 + 88, reasoning_tokens: 88, total_tokens: 178 },
      langchain_usage: { input_tokens: 74, output_tokens: 16, total_tokens: 178 },
      output: { tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] },
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo((74 * 0.3 + 104 * 2.5) / 1e6, 6);
    // The integration reports a whole answer as one "token": that is not a stream.
    expect(end.data.streamed).toBeUndefined();
  });

  it("streamed: usage is the final chunk's running total (never a sum of totals), thinking included, text assembled", async () => {
    const { start, end, sent } = await call(true);
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    // The integration's parameters never name streaming; the model's setting does.
    expect(start.data.params).toMatchObject({ stream: true, generationConfig: { temperature: 0.3 } });
    expect(end.data).toMatchObject({
      finish_reason: "STOP",
      usage: { input_tokens: 96, output_tokens: 11 + 40, reasoning_tokens: 40, total_tokens: 147 },
      output: { content: "It is 18°C and sunny in Paris." },
      streamed: true,
      chunks: 4,
    });
    expect(end.data.cost).toBeCloseTo((96 * 0.3 + 51 * 2.5) / 1e6, 6);
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
  });

  it("non-streamed answer: cached prompt tokens (cachedContentTokenCount) priced at the cached rate, thinking counted as output, text, parameters as sent", async () => {
    const { start, end, sent, events } = await call(false, false);
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent.json).toMatchObject({ generationConfig: { temperature: 0.3, maxOutputTokens: 500 } });
    expect((sent.json as { tools?: unknown }).tools).toBeUndefined();
    expect(start.data).toMatchObject({ provider: "google_genai", model: "gemini-2.5-flash", params: { generationConfig: { temperature: 0.3, maxOutputTokens: 500 } } });
    expect(start.data.tools).toBeUndefined();
    expect((start.data.params as Record<string, unknown>).stream).toBeUndefined();
    expect(end.data).toMatchObject({
      provider: "google_genai",
      model: "gemini-2.5-flash",
      finish_reason: "STOP",
      // promptTokenCount 2150 (2048 of them cached), candidatesTokenCount 11, thoughtsTokenCount 52, totalTokenCount 2213
      usage: { input_tokens: 2150, output_tokens: 11 + 52, reasoning_tokens: 52, cache_read_tokens: 2048, total_tokens: 2213 },
      langchain_usage: { input_tokens: 2150, output_tokens: 11, total_tokens: 2213, cache_read_tokens: 2048 },
      output: { role: "assistant", content: "It is 18°C and sunny in Paris." },
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo((102 * 0.3 + 2048 * 0.03 + 63 * 2.5) / 1e6, 12);
    expect((end.data.output as { tool_calls?: unknown }).tool_calls).toBeUndefined();
    expect(end.data.streamed).toBeUndefined();
    // @langchain/google-genai keeps neither `responseId` nor `modelVersion` from the body: the
    // trail names the model asked for and no response id.
    expect(end.data.response_id).toBeUndefined();
    expect(ofType(events, "output")[0]!.data).toMatchObject({ role: "assistant", content: "It is 18°C and sunny in Paris." });
  });

  it("streamed tool call: the functionCall chunk assembled into one call with parsed args, usage from the last chunk, time to first token", async () => {
    const { start, end, sent, events } = await call(true, true);
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
    expect(sent.json).toMatchObject({ tools: [{ functionDeclarations: [{ name: "get_weather" }] }], generationConfig: { temperature: 0.3, maxOutputTokens: 500 } });
    expect(start.data).toMatchObject({ tools: ["get_weather"], params: { stream: true, generationConfig: { temperature: 0.3, maxOutputTokens: 500 } } });
    expect(end.data).toMatchObject({
      model: "gemini-2.5-flash",
      finish_reason: "STOP",
      // The same call as the non-streamed fixture: 74 in, 16 answer + 88 thinking out.
      usage: { input_tokens: 74, output_tokens: 16 + 88, reasoning_tokens: 88, total_tokens: 178 },
      output: { tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] },
      streamed: true,
      chunks: 2,
      cost_source: "price_table",
    });
    const calls = (end.data.output as { tool_calls: Array<{ id?: unknown }> }).tool_calls;
    expect(calls).toHaveLength(1);
    // Gemini gives a call no id; LangChain makes one up so the tool's answer can refer to it.
    expect(calls[0]!.id).toEqual(expect.any(String));
    expect(end.data.cost).toBeCloseTo((74 * 0.3 + 104 * 2.5) / 1e6, 12);
    // The first chunk is the call itself (no text): it still counts as the first token.
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(end.data.time_to_first_token_ms).toBeLessThanOrEqual(end.duration_ms!);
    expect(ofType(events, "output")[0]!.data).toMatchObject({ requested_tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] });
  });

  // Google's error body: {error: {code, message, status, details}}.
  for (const [status, file, message, code] of [
    [400, "gemini/error-400.json", /max_output_tokens must be positive/, "INVALID_ARGUMENT"],
    [429, "gemini/error-429.json", /exceeded your current quota/, "RESOURCE_EXHAUSTED"],
    [500, "gemini/error-500.json", /internal error has occurred/, "INTERNAL"],
  ] as const) {
    it(`a ${status} (${code}) is an llm_error with Google's message and status, and the caller still gets the error`, async () => {
      server.reset();
      server.on((r) => r.path.includes(":generateContent"), { status, json: fixture(file) });
      const m = new ChatGoogleGenerativeAI({ model: "gemini-2.5-flash", apiKey: "test-key", baseUrl: server.url, maxRetries: 0 });
      const err = await recordedError(m, message);
      expect(err.data.error).toMatchObject({ http_status: status });
    });
  }
});
