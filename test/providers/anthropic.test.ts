/**
 * The real `@langchain/anthropic` chat model against a local server answering with recorded
 * Messages API bodies and event streams (test/providers/fixtures/anthropic, see SOURCES.md there).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatAnthropic } from "@langchain/anthropic";
import { weather } from "./tools.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { recordedError } from "./errors.js";
import { fixture, ProviderServer, sseChunks } from "./server.js";

const server = new ProviderServer();
beforeAll(async () => void (await server.start()));
afterAll(() => server.close());
beforeEach(() => server.reset());


function model(streaming: boolean) {
  return new ChatAnthropic({
    model: "claude-sonnet-4-5",
    temperature: 0,
    maxTokens: 1024,
    streaming,
    apiKey: "sk-ant-test-not-a-real-key",
    maxRetries: 0,
    anthropicApiUrl: server.url,
  });
}

async function call(opts: { streaming: boolean; tools: boolean }) {
  const { trail, events } = memoryTrail();
  const m = model(opts.streaming);
  const runnable = opts.tools ? m.bindTools([weather], { tool_choice: "auto" }) : m;
  await runnable.invoke([["user", "What is the weather in Paris?"]], { callbacks: [trail.handler()] });
  await trail.flush();
  expectValidEvents(events);
  const [start, end] = [ofType(events, "llm_start")[0]!, ofType(events, "llm_end")[0]!];
  expect(start, "llm_start recorded").toBeDefined();
  expect(end, "llm_end recorded").toBeDefined();
  return { events, start, end, sent: server.requests[0]!.json as Record<string, unknown> };
}

// claude-sonnet-4-5 list prices, $ per 1M tokens: input 3, output 15, cache read 0.30,
// 5-minute cache write 3.75, 1-hour cache write 6.
const toolUseCost = (412 * 3 + 2048 * 0.3 + 1024 * 6 + 58 * 15) / 1e6;
const answerCost = (530 * 3 + 3072 * 0.3 + 14 * 15) / 1e6;

describe("@langchain/anthropic Messages", () => {
  it("non-streamed tool use: returned model, id, stop reason, cache reads and 1-hour writes priced at their rates, tier", async () => {
    server.on("/v1/messages", { json: fixture("anthropic/message-tool-use.json") });
    const { start, end, sent, events } = await call({ streaming: false, tools: true });
    expect(sent).toMatchObject({ model: "claude-sonnet-4-5", max_tokens: 1024, temperature: 0, tool_choice: { type: "auto" } });
    expect(start.data).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5", tools: ["get_weather"], params: { max_tokens: 1024, temperature: 0 } });
    expect(end.data).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5-20250929",
      response_id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      finish_reason: "tool_use",
      service_tier: "standard",
      // Anthropic counts input without its cache reads and writes; the trail counts all input.
      usage: { input_tokens: 412 + 1024 + 2048, output_tokens: 58, cache_read_tokens: 2048, cache_creation_tokens: 1024, cache_creation_1h_tokens: 1024 },
      output: { role: "assistant", tool_calls: [{ id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", args: { city: "Paris" } }] },
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo(toolUseCost, 6);
    expect(ofType(events, "reasoning")[0]!.data).toMatchObject({ thought: "I'll check the weather in Paris.", tool_calls: [{ name: "get_weather", args: { city: "Paris" } }] });
  });

  it("streamed tool use: output tokens from message_delta (not one more), stop reason, assembled tool_use input", async () => {
    server.on("/v1/messages", { chunks: sseChunks(fixture("anthropic/message-tool-use-stream.sse")), gapMs: 3 });
    const { start, end, sent } = await call({ streaming: true, tools: true });
    expect(sent).toMatchObject({ stream: true });
    expect(start.data.params).toMatchObject({ stream: true });
    expect(end.data).toMatchObject({
      model: "claude-sonnet-4-5-20250929",
      response_id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      finish_reason: "tool_use",
      service_tier: "standard",
      usage: { output_tokens: 58, cache_read_tokens: 2048, cache_creation_tokens: 1024, cache_creation_1h_tokens: 1024 },
      streamed: true,
      output: { tool_calls: [{ id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", args: { city: "Paris" } }] },
    });
    expect(end.data.cost).toBeCloseTo(toolUseCost, 6);
    // The content blocks as Anthropic meant them: one text block, one tool_use with parsed input.
    const content = (end.data.output as { content: unknown[] }).content;
    expect(content).toEqual([
      { type: "text", text: "I'll check the weather in Paris." },
      { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { city: "Paris" } },
    ]);
    // LangChain sums message_start's 1 and message_delta's 58; its figure is kept beside the
    // provider's count because they differ.
    expect(end.data.langchain_usage).toMatchObject({ output_tokens: 59 });
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
  });

  it("non-streamed answer without a tool call: parameters as sent, returned model, id, end_turn, cache reads priced, tier, text, cost", async () => {
    server.on("/v1/messages", { json: fixture("anthropic/message-answer.json") });
    const { start, end, sent, events } = await call({ streaming: false, tools: false });
    expect(sent).toMatchObject({ model: "claude-sonnet-4-5", max_tokens: 1024, temperature: 0 });
    expect(sent.stream).toBeFalsy();
    expect(sent.tools).toBeUndefined();
    expect(start.data).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5", params: { model: "claude-sonnet-4-5", max_tokens: 1024, temperature: 0 } });
    expect((start.data.params as Record<string, unknown>).stream).toBeFalsy();
    expect(start.data.tools).toBeUndefined();
    expect(end.data).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5-20250929",
      response_id: "msg_01Aq9w938a90dw8q",
      finish_reason: "end_turn",
      service_tier: "standard",
      // input_tokens 530 leaves out the 3,072 read from cache; input counts every token read.
      usage: { input_tokens: 530 + 3072, output_tokens: 14, total_tokens: 530 + 3072 + 14, cache_read_tokens: 3072 },
      cost_source: "price_table",
    });
    expect((end.data.usage as Record<string, unknown>).cache_creation_tokens).toBeUndefined();
    expect(end.data.cost).toBeCloseTo(answerCost, 12);
    expect(end.data.stop_sequence).toBeUndefined();
    expect(end.data.streamed).toBeUndefined();
    expect(end.data.time_to_first_token_ms).toBeUndefined();
    expect(end.data.langchain_usage).toBeUndefined();
    expect((end.data.output as { tool_calls?: unknown }).tool_calls).toBeUndefined();
    expect(JSON.stringify((end.data.output as { content: unknown }).content)).toContain("It is 18°C and sunny in Paris.");
    expect(ofType(events, "input")[0]!.data).toMatchObject({ role: "user", content: "What is the weather in Paris?" });
  });

  it("cache writes priced by duration: 5-minute writes at 1.25× input, 1-hour writes at 2×, reads at 0.1×", async () => {
    server.on("/v1/messages", { json: fixture("anthropic/message-cache-write.json") });
    const { end } = await call({ streaming: false, tools: false });
    expect(end.data).toMatchObject({
      response_id: "msg_01Hq7Zt3CwK9mWvB5xN2pL8r",
      finish_reason: "end_turn",
      // 530 fresh + 1,536 written (512 for 5 minutes, 1,024 for 1 hour) + 2,048 read.
      usage: { input_tokens: 530 + 1536 + 2048, output_tokens: 14, cache_read_tokens: 2048, cache_creation_tokens: 1536, cache_creation_1h_tokens: 1024 },
      cost_source: "price_table",
    });
    // $3/M fresh, $3.75/M (1.25×) 5-minute write, $6/M (2×) 1-hour write, $0.30/M read, $15/M output.
    expect(end.data.cost).toBeCloseTo((530 * 3 + 512 * 3.75 + 1024 * 6 + 2048 * 0.3 + 14 * 15) / 1e6, 12);
  });

  it("streamed and non-streamed answers agree on every fact", async () => {
    server.on("/v1/messages", { json: fixture("anthropic/message-answer.json") });
    const plain = (await call({ streaming: false, tools: false })).end.data;
    server.reset();
    server.on("/v1/messages", { chunks: sseChunks(fixture("anthropic/message-answer-stream.sse")) });
    const streamed = (await call({ streaming: true, tools: false })).end.data;
    for (const data of [plain, streamed]) {
      expect(data).toMatchObject({
        model: "claude-sonnet-4-5-20250929",
        finish_reason: "end_turn",
        usage: { input_tokens: 530 + 3072, output_tokens: 14, cache_read_tokens: 3072 },
        service_tier: "standard",
      });
      expect(data.cost).toBeCloseTo(answerCost, 6);
      expect(JSON.stringify((data.output as { content: unknown }).content)).toContain("It is 18°C and sunny in Paris.");
    }
    expect(streamed.response_id).toBe(plain.response_id);
  });

  it("a 400 invalid request is an llm_error with Anthropic's message", async () => {
    server.on("/v1/messages", { status: 400, json: fixture("anthropic/error-400.json") });
    const { trail, events } = memoryTrail();
    await expect(model(false).invoke("hi", { callbacks: [trail.handler()] })).rejects.toThrow(/maximum allowed number of output tokens/);
    await trail.flush();
    expectValidEvents(events);
    expect(JSON.stringify(ofType(events, "llm_error")[0]!.data)).toMatch(/invalid_request_error|maximum allowed number of output tokens/);
  });

  it("a 529 overloaded answer is an llm_error naming the provider's error", async () => {
    server.on("/v1/messages", { status: 529, json: fixture("anthropic/error-529.json") });
    const { trail, events } = memoryTrail();
    await expect(model(false).invoke("hi", { callbacks: [trail.handler()] })).rejects.toThrow(/Overloaded/);
    await trail.flush();
    expectValidEvents(events);
    const err = ofType(events, "llm_error")[0]!;
    expect(err).toMatchObject({ status: "error" });
    expect(JSON.stringify(err.data)).toMatch(/overloaded_error|Overloaded/);
  });

  for (const [status, file, message, type] of [
    [429, "anthropic/error-429.json", /would exceed the rate limit/, "rate_limit_error"],
    [500, "anthropic/error-500.json", /Internal server error/, "api_error"],
  ] as const) {
    it(`a ${status} ${type} is an llm_error with Anthropic's type, message and status`, async () => {
      server.on("/v1/messages", { status, json: fixture(file), headers: { "request-id": "req_011CUf3r7Zy9wQm1aXbT2kPd" } });
      const err = await recordedError(model(false), message);
      expect(JSON.stringify(err.data)).toContain(type);
      expect(err.data.error).toMatchObject({ http_status: status, request_id: "req_011CUf3r7Zy9wQm1aXbT2kPd" });
    });
  }
});
