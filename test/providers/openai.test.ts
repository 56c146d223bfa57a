/**
 * The real `@langchain/openai` chat model against a local server answering with recorded Chat
 * Completions bodies (test/providers/fixtures/openai, see SOURCES.md there). Every fact the audit
 * events claim is checked against the provider's own response, streamed and not.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatOpenAI } from "@langchain/openai";
import { weather } from "./tools.js";
import { recordedError } from "./errors.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { serveTokenizerOffline, fixture, ProviderServer, sseChunks } from "./server.js";

const server = new ProviderServer();
let restoreFetch: () => void;
beforeAll(async () => {
  restoreFetch = serveTokenizerOffline();
  await server.start();
});
afterAll(async () => {
  restoreFetch();
  await server.close();
});
beforeEach(() => server.reset());


function model(streaming: boolean) {
  return new ChatOpenAI({
    model: "gpt-4o",
    temperature: 0.2,
    maxTokens: 300,
    streaming,
    apiKey: "sk-test-not-a-real-key",
    maxRetries: 0,
    configuration: { baseURL: `${server.url}/v1` },
  });
}

async function call(opts: { streaming: boolean; tools: boolean }) {
  const { trail, events } = memoryTrail();
  const m = model(opts.streaming);
  const runnable = opts.tools ? m.bindTools([weather], { tool_choice: "auto" }) : m;
  const message = await runnable.invoke([{ role: "user", content: "What is the weather in Paris?" }], { callbacks: [trail.handler()] });
  await trail.flush();
  expectValidEvents(events);
  const [start, end] = [ofType(events, "llm_start")[0]!, ofType(events, "llm_end")[0]!];
  expect(start, "llm_start recorded").toBeDefined();
  expect(end, "llm_end recorded").toBeDefined();
  return { events, start, end, message, sent: server.requests[0]!.json as Record<string, unknown> };
}

describe("@langchain/openai Chat Completions", () => {
  it("non-streamed tool call: returned model, response id, finish reason, usage, fingerprint, tier, parsed tool call, cost", async () => {
    server.on("/v1/chat/completions", { json: fixture("openai/chat-tool-call.json") });
    const { start, end, sent, events } = await call({ streaming: false, tools: true });

    // What was sent is what llm_start says was sent.
    expect(sent).toMatchObject({ model: "gpt-4o", temperature: 0.2, max_tokens: 300, tool_choice: "auto" });
    expect(sent.stream).toBeFalsy();
    expect(start.data).toMatchObject({ provider: "openai", model: "gpt-4o", params: { model: "gpt-4o", temperature: 0.2, max_tokens: 300, tool_choice: "auto" }, tools: ["get_weather"] });
    expect((start.data.params as Record<string, unknown>).stream).toBeFalsy();

    expect(end.data).toMatchObject({
      provider: "openai",
      model: "gpt-4o-2024-08-06",
      response_id: "chatcmpl-Cq2vY1aB2cD3eF4gH5iJ6kL7mN8o",
      finish_reason: "tool_calls",
      system_fingerprint: "fp_f33640a400",
      usage: { input_tokens: 82, output_tokens: 15, total_tokens: 97 },
      output: { role: "assistant", tool_calls: [{ id: "call_Xk3pQ9mV2rT8wZ1yB4nC6dF0", name: "get_weather", args: { city: "Paris" } }] },
      cost: 0.000355, // 82 × $2.50/M + 15 × $10/M
      cost_source: "price_table",
    });
    expect(end.data.streamed).toBeUndefined();
    expect(end.data.langchain_usage).toBeUndefined();
    // The bare model call is the root: its output keeps the calls it asked for beside the counts.
    expect(ofType(events, "output")[0]!.data).toMatchObject({ requested_tool_calls: [{ name: "get_weather", args: { city: "Paris" } }], llm_calls: 1, tool_calls: 0 });
    expect(ofType(events, "input")[0]!.data).toEqual({ role: "user", content: "What is the weather in Paris?" });
  });

  it("non-streamed: the service tier, which @langchain/openai drops, is kept when the model keeps the raw response", async () => {
    server.on("/v1/chat/completions", { json: fixture("openai/chat-tool-call.json") });
    const { trail, events } = memoryTrail();
    const m = new ChatOpenAI({ model: "gpt-4o", apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: `${server.url}/v1` }, __includeRawResponse: true });
    await m.invoke("Weather in Paris?", { callbacks: [trail.handler()] });
    await trail.flush();
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({ service_tier: "default", model: "gpt-4o-2024-08-06", response_id: "chatcmpl-Cq2vY1aB2cD3eF4gH5iJ6kL7mN8o" });
    // The raw body is a source of facts, not something recorded whole.
    expect(JSON.stringify(end.data)).not.toContain("__raw_response");
  });

  it("non-streamed answer: cached prompt tokens are read and priced at the cached rate", async () => {
    server.on("/v1/chat/completions", { json: fixture("openai/chat-answer.json") });
    const { end, events } = await call({ streaming: false, tools: false });
    expect(end.data).toMatchObject({
      model: "gpt-4o-2024-08-06",
      response_id: "chatcmpl-Cq2vZ8yX1bW3aT0kLmN4pQ7rS9uV",
      finish_reason: "stop",
      usage: { input_tokens: 96, output_tokens: 11, total_tokens: 107, cache_read_tokens: 64 },
      output: { role: "assistant", content: "It is 18°C and sunny in Paris." },
      cost: 0.00027, // 32 fresh × $2.50/M + 64 cached × $1.25/M + 11 × $10/M
    });
    expect(ofType(events, "output")[0]!.data).toMatchObject({ role: "assistant", content: "It is 18°C and sunny in Paris." });
  });

  it("streamed tool call: the returned model (not the alias), stream as sent, assembled tool call, usage from the usage-only final chunk, time to first token", async () => {
    server.on("/v1/chat/completions", { chunks: sseChunks(fixture("openai/chat-tool-call-stream.sse")), gapMs: 5 });
    const { start, end, sent } = await call({ streaming: true, tools: true });
    expect(sent).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(start.data.params).toMatchObject({ stream: true });
    expect(end.data).toMatchObject({
      model: "gpt-4o-2024-08-06",
      response_id: "chatcmpl-Cq2w0tOoLcAlLsTrEaM7h8i9j0",
      finish_reason: "tool_calls",
      system_fingerprint: "fp_f33640a400",
      service_tier: "default",
      usage: { input_tokens: 82, output_tokens: 15, total_tokens: 97 },
      output: { tool_calls: [{ id: "call_Xk3pQ9mV2rT8wZ1yB4nC6dF0", name: "get_weather", args: { city: "Paris" } }] },
      streamed: true,
      cost: 0.000355,
    });
    expect(end.data.chunks).toBeGreaterThan(3);
    // The first content (a tool-call chunk) arrived after the request went out, before the end.
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(end.data.time_to_first_token_ms).toBeLessThanOrEqual(end.duration_ms!);
  });

  it("streamed answer: text assembled from deltas, finish reason and usage from the last chunks", async () => {
    server.on("/v1/chat/completions", { chunks: sseChunks(fixture("openai/chat-answer-stream.sse")), gapMs: 5 });
    const { end } = await call({ streaming: true, tools: false });
    const body = fixture("openai/chat-answer-stream.sse");
    const finalUsage = JSON.parse(body.split("\n\n").filter((l) => l.includes('"usage":{')).at(-1)!.slice(6)).usage;
    expect(end.data).toMatchObject({
      model: "gpt-4o-2024-08-06",
      finish_reason: "stop",
      streamed: true,
      usage: { input_tokens: finalUsage.prompt_tokens, output_tokens: finalUsage.completion_tokens, total_tokens: finalUsage.total_tokens },
    });
    const text = body
      .split("\n\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? "")
      .join("");
    expect((end.data.output as { content: string }).content).toBe(text);
  });

  it("non-streamed refusal (message.refusal, content null): recorded as refusal when the model keeps the raw response; response format as sent", async () => {
    server.on("/v1/chat/completions", { json: fixture("openai/chat-refusal.json") });
    const { trail, events } = memoryTrail();
    // @langchain/openai drops Chat Completions' `message.refusal`; only the raw body still has it.
    const m = new ChatOpenAI({ model: "gpt-4o", apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: `${server.url}/v1` }, __includeRawResponse: true });
    const format = { type: "json_schema", json_schema: { name: "forecast", strict: true, schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false } } } as const;
    await m.invoke("Forecast for Paris, as JSON", { callbacks: [trail.handler()], response_format: format });
    await trail.flush();
    expectValidEvents(events);
    expect(server.requests[0]!.json).toMatchObject({ response_format: format });
    expect(ofType(events, "llm_start")[0]!.data.params).toMatchObject({ response_format: format });
    expect(ofType(events, "llm_end")[0]!.data).toMatchObject({
      refusal: "I'm sorry, but I can't help with that request.",
      model: "gpt-4o-2024-08-06",
      response_id: "chatcmpl-Cq2x4RfUsAlXy7zW1vB3nD5fH8jK",
      finish_reason: "stop",
      system_fingerprint: "fp_f33640a400",
      service_tier: "default",
      usage: { input_tokens: 118, output_tokens: 12, total_tokens: 130 },
      cost: 0.000415, // 118 × $2.50/M + 12 × $10/M
    });
  });

  for (const [status, file, message] of [[400, "openai/error-400.json", /Invalid value for 'temperature'/], [500, "openai/error-500.json", /server had an error/]] as const) {
    it(`a ${status} from the API is an llm_error with the provider's message and status`, async () => {
      server.on("/v1/chat/completions", { status, json: fixture(file) });
      const err = await recordedError(model(false), message);
      expect(err.data.error).toMatchObject({ http_status: status });
    });
  }

  it("a 429 from the API is an llm_error with the provider's message, and the caller still gets the error", async () => {
    server.on("/v1/chat/completions", { status: 429, json: fixture("openai/error-429.json") });
    const err = await recordedError(model(false), /Rate limit reached/);
    expect(err.data.error).toMatchObject({ http_status: 429, lc_error_code: "MODEL_RATE_LIMIT" });
  });

  it("Responses API: response id, returned model, reasoning tokens, max_output_tokens and reasoning effort as sent, parsed function call", async () => {
    server.on("/v1/responses", { json: fixture("openai/responses-tool-call.json") });
    const { trail, events } = memoryTrail();
    const m = new ChatOpenAI({ model: "gpt-5-mini", useResponsesApi: true, maxTokens: 300, reasoning: { effort: "low" }, apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: `${server.url}/v1` } });
    await m.bindTools([weather]).invoke("Weather in Paris?", { callbacks: [trail.handler()] });
    await trail.flush();
    expectValidEvents(events);
    expect(server.requests[0]!.json).toMatchObject({ model: "gpt-5-mini", max_output_tokens: 300, reasoning: { effort: "low" } });
    expect(ofType(events, "llm_start")[0]!.data.params).toMatchObject({ model: "gpt-5-mini", max_output_tokens: 300, reasoning: { effort: "low" }, stream: false });
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      model: "gpt-5-mini-2025-08-07",
      response_id: "resp_68af4030592c81938ec0a5fbab4a3e9f05438e46b5f69a3b",
      finish_reason: "completed",
      service_tier: "default",
      usage: { input_tokens: 91, output_tokens: 214, reasoning_tokens: 192, total_tokens: 305 },
      output: { tool_calls: [{ id: "call_Yp4mN8qR2sT6vX0zA3cE5gH7", name: "get_weather", args: { city: "Paris" } }] },
      cost: 0.00045075, // 91 × $0.25/M + 214 × $2/M (reasoning is billed as output)
    });
  });
});

// gpt-5-mini list prices, $ per 1M tokens: input 0.25, cached input 0.025, output (reasoning included) 2.
describe("@langchain/openai Responses API (useResponsesApi)", () => {
  function responsesModel(streaming: boolean) {
    return new ChatOpenAI({ model: "gpt-5-mini", useResponsesApi: true, streaming, maxTokens: 300, reasoning: { effort: "low" }, apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: `${server.url}/v1` } });
  }
  async function respond(opts: { streaming: boolean; tools: boolean }) {
    const { trail, events } = memoryTrail();
    const m = responsesModel(opts.streaming);
    await (opts.tools ? m.bindTools([weather], { tool_choice: "auto" }) : m).invoke([{ role: "user", content: "What is the weather in Paris?" }], { callbacks: [trail.handler()] });
    await trail.flush();
    expectValidEvents(events);
    return { events, start: ofType(events, "llm_start")[0]!, end: ofType(events, "llm_end")[0]!, sent: server.requests[0]!.json as Record<string, unknown> };
  }
  // 1,180 input of which 1,024 cached, 96 output of which 64 reasoning.
  const answerCost = (156 * 0.25 + 1024 * 0.025 + 96 * 2) / 1e6;
  const answerUsage = { input_tokens: 1180, output_tokens: 96, total_tokens: 1276, cache_read_tokens: 1024, reasoning_tokens: 64 };

  it("non-streamed answer: response id, returned model, status, cached and reasoning tokens, tier, text, cost", async () => {
    server.on("/v1/responses", { json: fixture("openai/responses-answer.json") });
    const { start, end, sent, events } = await respond({ streaming: false, tools: false });
    expect(sent).toMatchObject({ model: "gpt-5-mini", max_output_tokens: 300, reasoning: { effort: "low" } });
    expect(sent.stream).toBeFalsy();
    expect(start.data).toMatchObject({ provider: "openai", model: "gpt-5-mini", params: { model: "gpt-5-mini", max_output_tokens: 300, reasoning: { effort: "low" }, stream: false } });
    expect(start.data.tools).toBeUndefined();
    expect(end.data).toMatchObject({
      provider: "openai",
      model: "gpt-5-mini-2025-08-07",
      response_id: "resp_68b1c4b0c1d28193e4f5a6b7c8d9e0f10a1b2c3d4e5f6a7b",
      finish_reason: "completed",
      service_tier: "default",
      usage: answerUsage,
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo(answerCost, 12);
    expect(end.data.streamed).toBeUndefined();
    expect(end.data.langchain_usage).toBeUndefined();
    expect(end.data.refusal).toBeUndefined();
    expect(JSON.stringify((end.data.output as { content: unknown }).content)).toContain("It is 18°C and sunny in Paris.");
    expect(ofType(events, "output")[0]!.data).toMatchObject({ role: "assistant" });
  });

  it("streamed answer: id and model from response.created, usage and status from response.completed, text from output_text deltas, time to first token", async () => {
    const body = fixture("openai/responses-answer-stream.sse");
    server.on("/v1/responses", { chunks: sseChunks(body), gapMs: 3 });
    const { start, end, sent } = await respond({ streaming: true, tools: false });
    expect(sent).toMatchObject({ model: "gpt-5-mini", stream: true, max_output_tokens: 300, reasoning: { effort: "low" } });
    expect(start.data.params).toMatchObject({ stream: true, max_output_tokens: 300, reasoning: { effort: "low" } });
    expect(end.data).toMatchObject({
      model: "gpt-5-mini-2025-08-07",
      response_id: "resp_68b1c2d3e4f58193a0b1c2d3e4f5a6b70a1b2c3d4e5f6a7b",
      finish_reason: "completed",
      // response.created says the tier asked for ("auto"); response.completed the one that served it.
      service_tier: "default",
      usage: answerUsage,
      streamed: true,
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo(answerCost, 12);
    const deltas = body.split("\n\n").filter((e) => e.startsWith("event: response.output_text.delta")).map((e) => JSON.parse(e.split("\ndata: ")[1]!).delta as string);
    expect(deltas.join("")).toBe("It is 18°C and sunny in Paris.");
    const content = (end.data.output as { content: unknown }).content;
    expect(typeof content === "string" ? content : (content as Array<{ text?: string }>).map((b) => b.text ?? "").join("")).toBe(deltas.join(""));
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(end.data.time_to_first_token_ms).toBeLessThanOrEqual(end.duration_ms!);
  });

  it("streamed tool call: call id and name from output_item.added, arguments assembled from function_call_arguments deltas, reasoning tokens", async () => {
    server.on("/v1/responses", { chunks: sseChunks(fixture("openai/responses-tool-call-stream.sse")), gapMs: 3 });
    const { start, end, sent, events } = await respond({ streaming: true, tools: true });
    expect(sent).toMatchObject({ stream: true, tools: [{ type: "function", name: "get_weather" }] });
    expect(start.data).toMatchObject({ tools: ["get_weather"], params: { stream: true, reasoning: { effort: "low" } } });
    // tool_choice as sent (the Responses path leaves "auto", the API's default, out of the body).
    expect((start.data.params as Record<string, unknown>).tool_choice).toEqual(sent.tool_choice);
    expect(end.data).toMatchObject({
      model: "gpt-5-mini-2025-08-07",
      response_id: "resp_68b1c3a0b1c28193d3e4f5a6b7c8d9e00a1b2c3d4e5f6a7b",
      finish_reason: "completed",
      service_tier: "default",
      usage: { input_tokens: 91, output_tokens: 214, total_tokens: 305, reasoning_tokens: 192 },
      output: { tool_calls: [{ id: "call_Rk7nV3pW9sX1yZ5bD8fH2jL4", name: "get_weather", args: { city: "Paris" } }] },
      streamed: true,
      cost: 0.00045075, // 91 × $0.25/M + 214 × $2/M
      cost_source: "price_table",
    });
    expect((end.data.output as { tool_calls: unknown[] }).tool_calls).toHaveLength(1);
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    expect(ofType(events, "output")[0]!.data).toMatchObject({ requested_tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] });
  });

  it("refusal content is recorded as refusal, with the response format as sent", async () => {
    server.on("/v1/responses", { json: fixture("openai/responses-refusal.json") });
    const { trail, events } = memoryTrail();
    const format = { type: "json_schema", json_schema: { name: "forecast", strict: true, schema: { type: "object", properties: { city: { type: "string" }, celsius: { type: "number" } }, required: ["city", "celsius"], additionalProperties: false } } } as const;
    await responsesModel(false).invoke("Forecast for Paris, as JSON", { callbacks: [trail.handler()], response_format: format });
    await trail.flush();
    expectValidEvents(events);
    expect(server.requests[0]!.json).toMatchObject({ text: { format: { type: "json_schema", name: "forecast", strict: true } } });
    expect(JSON.stringify(ofType(events, "llm_start")[0]!.data.params)).toContain('"forecast"');
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      refusal: "I'm sorry, but I can't help with that request.",
      response_id: "resp_68b1c5c0d1e28193f5a6b7c8d9e0f1a20a1b2c3d4e5f6a7b",
      finish_reason: "completed",
      usage: { input_tokens: 118, output_tokens: 75, reasoning_tokens: 64 },
    });
  });
});
