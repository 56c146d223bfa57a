/**
 * The real `@langchain/aws` ChatBedrockConverse model against a local server answering with a
 * recorded Converse API body (test/providers/fixtures/bedrock, see SOURCES.md there), through the
 * AWS SDK's own HTTP client with static test credentials (the request is SigV4-signed as in
 * production). Streams are ConverseStream's binary AWS event-stream framing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ChatBedrockConverse } from "@langchain/aws";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { weather } from "./tools.js";
import { recordedError } from "./errors.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { eventStreamChunks, fixture, ProviderServer } from "./server.js";

const server = new ProviderServer();
beforeAll(async () => void (await server.start()));
afterAll(() => server.close());
beforeEach(() => server.reset());

// AWS's documented example credentials: not a real key.
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";

function model(streaming = false, streamUsage = true) {
  // Bedrock's client speaks HTTP/2 by default; the local server speaks HTTP/1.1, as the SDK's own handler allows.
  const client = new BedrockRuntimeClient({ region: "us-east-1", endpoint: server.url, maxAttempts: 1, credentials, requestHandler: new NodeHttpHandler() });
  return new ChatBedrockConverse({ model: MODEL, region: "us-east-1", client, credentials, temperature: 0.2, maxTokens: 300, streaming, streamUsage });
}

describe("@langchain/aws Bedrock Converse", () => {
  it("tool use: stop reason, usage, parsed tool call with its id, tools offered, parameters as sent, request id, cost at the vendor's list price", async () => {
    server.on((r) => r.path.endsWith("/converse"), { json: fixture("bedrock/converse-tool-use.json"), headers: { "x-amzn-requestid": "7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b" } });
    const { trail, events } = memoryTrail();
    // (The bound model's declared call options omit `callbacks`; at run time they are the usual config.)
    await model().bindTools([weather]).invoke([{ role: "user", content: "Weather in Paris?" }], { callbacks: [trail.handler()] } as never);
    await trail.flush();
    expectValidEvents(events);
    const sent = server.requests[0]!;
    expect(sent.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    expect(String(sent.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    expect(sent.json).toMatchObject({ inferenceConfig: { maxTokens: 300, temperature: 0.2 } });
    const start = ofType(events, "llm_start")[0]!;
    expect(start.data).toMatchObject({ provider: "amazon_bedrock", model: MODEL, tools: ["get_weather"], params: { inferenceConfig: { maxTokens: 300, temperature: 0.2 } } });
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      model: MODEL,
      response_id: "7c1e2a3b-4d5e-4f60-8a9b-0c1d2e3f4a5b",
      finish_reason: "tool_use",
      usage: { input_tokens: 412, output_tokens: 58, total_tokens: 470 },
      // A tool-use id is an id, not a secret.
      output: { tool_calls: [{ id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", name: "get_weather", args: { city: "Paris" } }] },
      cost: 0.002106, // Anthropic's list price on Bedrock: 412 × $3/M + 58 × $15/M
      cost_source: "price_table",
    });
  });

  it("answer without a tool call: text, end_turn, cached reads counted in input and priced at the cached rate, request id, parameters as sent", async () => {
    server.on((r) => r.path.endsWith("/converse"), { json: fixture("bedrock/converse-answer.json"), headers: { "x-amzn-requestid": "3e9a7b1c-52d4-4c8e-9f06-1a2b3c4d5e6f" } });
    const { trail, events } = memoryTrail();
    await model().invoke([{ role: "user", content: "Weather in Paris?" }], { callbacks: [trail.handler()] });
    await trail.flush();
    expectValidEvents(events);
    const sent = server.requests[0]!;
    expect(sent.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    expect(sent.json).toMatchObject({ inferenceConfig: { maxTokens: 300, temperature: 0.2 } });
    expect((sent.json as { toolConfig?: unknown }).toolConfig).toBeUndefined();
    const start = ofType(events, "llm_start")[0]!;
    expect(start.data).toMatchObject({ provider: "amazon_bedrock", model: MODEL, params: { inferenceConfig: { maxTokens: 300, temperature: 0.2 } } });
    expect(start.data.tools).toBeUndefined();
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      provider: "amazon_bedrock",
      model: MODEL,
      response_id: "3e9a7b1c-52d4-4c8e-9f06-1a2b3c4d5e6f",
      finish_reason: "end_turn",
      // inputTokens 96 leaves out the 1,024 read from cache; input counts every token read.
      usage: { input_tokens: 96 + 1024, output_tokens: 12, total_tokens: 1132, cache_read_tokens: 1024 },
      output: { role: "assistant", content: "It is 18°C and sunny in Paris." },
      cost_source: "price_table",
    });
    expect((end.data.output as { tool_calls?: unknown }).tool_calls).toBeUndefined();
    expect(end.data.streamed).toBeUndefined();
    // @langchain/aws counts the cached reads in input too: the two counts agree.
    expect(end.data.langchain_usage).toBeUndefined();
    // $3/M fresh input, $0.30/M cached read, $15/M output.
    expect(end.data.cost).toBeCloseTo((96 * 3 + 1024 * 0.3 + 12 * 15) / 1e6, 12);
    expect(ofType(events, "output")[0]!.data).toMatchObject({ role: "assistant", content: "It is 18°C and sunny in Paris." });
  });

  it("a model the price table does not know: usage recorded, cost_source unknown and no cost (never a made-up 0)", async () => {
    server.on((r) => r.path.endsWith("/converse"), { json: fixture("bedrock/converse-answer.json") });
    const client = new BedrockRuntimeClient({ region: "us-east-1", endpoint: server.url, maxAttempts: 1, credentials, requestHandler: new NodeHttpHandler() });
    const m = new ChatBedrockConverse({ model: "amazon.nova-premier-v1:0", region: "us-east-1", client, credentials });
    const { trail, events } = memoryTrail();
    await m.invoke("Weather in Paris?", { callbacks: [trail.handler()] });
    await trail.flush();
    expectValidEvents(events);
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({ model: "amazon.nova-premier-v1:0", usage: { input_tokens: 1120, output_tokens: 12 }, cost_source: "unknown" });
    expect(end.data.cost).toBeUndefined();
  });

  it("ConverseStream tool use: text and toolUse deltas assembled into the call with its id, stop reason and usage from the metadata event", async () => {
    server.on((r) => r.path.endsWith("/converse-stream"), {
      type: "application/vnd.amazon.eventstream",
      chunks: eventStreamChunks(fixture("bedrock/converse-stream-tool-use.events.jsonl")),
      gapMs: 3,
      headers: { "x-amzn-requestid": "0b6f3c2d-91e4-4a57-b8c0-2d3e4f5a6b7c" },
    });
    const { trail, events } = memoryTrail();
    await model(true).bindTools([weather]).invoke([{ role: "user", content: "Weather in Paris?" }], { callbacks: [trail.handler()] } as never);
    await trail.flush();
    expectValidEvents(events);
    expect(server.requests[0]!.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse-stream`);
    const start = ofType(events, "llm_start")[0]!;
    expect(start.data).toMatchObject({ tools: ["get_weather"], params: { inferenceConfig: { maxTokens: 300 } } });
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      model: MODEL,
      finish_reason: "tool_use",
      usage: { input_tokens: 412, output_tokens: 61, total_tokens: 473 },
      output: { content: "I'll look up the weather in Paris.", tool_calls: [{ id: "tooluse_Xq3b9TPhQ5eWk1mZr2aL0g", name: "get_weather", args: { city: "Paris" } }] },
      streamed: true,
      cost_source: "price_table",
    });
    expect(end.data.cost).toBeCloseTo((412 * 3 + 61 * 15) / 1e6, 12);
    expect(end.data.time_to_first_token_ms).toBeGreaterThan(0);
    // @langchain/aws keeps no response metadata from a stream, so there is no request id to name.
    expect(end.data.response_id).toBeUndefined();
    // No raw toolUse input fragments survive in what was recorded.
    expect(JSON.stringify(end.data)).not.toContain('{\\"city\\": ');
  });

  it("ConverseStream answer: cached reads counted in input and priced at the cached rate", async () => {
    server.on((r) => r.path.endsWith("/converse-stream"), {
      type: "application/vnd.amazon.eventstream",
      chunks: eventStreamChunks(fixture("bedrock/converse-stream-answer.events.jsonl")),
      gapMs: 3,
    });
    const { trail, events } = memoryTrail();
    await model(true).invoke("Weather in Paris?", { callbacks: [trail.handler()] });
    await trail.flush();
    expectValidEvents(events);
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      finish_reason: "end_turn",
      // Bedrock's inputTokens leaves out the 1,024 read from cache; input counts every token read.
      usage: { input_tokens: 96 + 1024, output_tokens: 12, total_tokens: 1132, cache_read_tokens: 1024 },
      output: { content: "It is 18°C and sunny in Paris." },
      streamed: true,
    });
    // $3/M fresh input, $0.30/M cached read, $15/M output.
    expect(end.data.cost).toBeCloseTo((96 * 3 + 1024 * 0.3 + 12 * 15) / 1e6, 12);
  });

  it("ConverseStream with streamUsage off: usage still read from the stream's own metadata event", async () => {
    server.on((r) => r.path.endsWith("/converse-stream"), {
      type: "application/vnd.amazon.eventstream",
      chunks: eventStreamChunks(fixture("bedrock/converse-stream-answer.events.jsonl")),
    });
    const { trail, events } = memoryTrail();
    await model(true, false).invoke("Weather in Paris?", { callbacks: [trail.handler()] });
    await trail.flush();
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data.usage).toEqual({ input_tokens: 1120, output_tokens: 12, total_tokens: 1132, cache_read_tokens: 1024 });
    expect(end.data.cost_source).toBe("price_table");
  });

  // Bedrock's error body is {"message": ...}; the error's name travels in x-amzn-errortype.
  for (const [status, file, type, message] of [
    [400, "bedrock/error-400.json", "ValidationException", /temperature: range: 0..1/],
    [429, "bedrock/error-429.json", "ThrottlingException", /Too many requests/],
    [500, "bedrock/error-500.json", "InternalServerException", /unexpected error during processing/],
  ] as const) {
    it(`a ${status} ${type} is an llm_error with the exception's name and message, and the caller still gets the error`, async () => {
      server.on((r) => r.path.endsWith("/converse"), {
        status,
        json: fixture(file),
        headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, "x-amzn-requestid": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a" },
      });
      const err = await recordedError(model(), message);
      expect(err.data.error).toMatchObject({ type, http_status: status, request_id: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a" });
    });
  }
});
