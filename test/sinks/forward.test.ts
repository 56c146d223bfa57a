// Forwarding sinks against the real endpoint paths and payload shapes of Langfuse (OTLP v4 and
// legacy), LangSmith (multipart and batch) and generic OTLP: a full createAgent run goes through the
// trail and the delivery layer; nock receives what would go over the wire, and the tests decode it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createAgent, fakeModel, AIMessage, HumanMessage } from "langchain";
import { createAuditTrail, type AuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { langfuseSink } from "../../src/sinks/langfuse.js";
import { langsmithSink } from "../../src/sinks/langsmith.js";
import { otlpSink } from "../../src/sinks/otlp.js";
import { sinksFromEnvironment } from "../../src/capture/default-trail.js";
import type { Sink } from "../../src/sinks/types.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { failingTool, searchTool, usage } from "../capture/fixtures.js";

const FAST = { initialBackoffMs: 5, maxBackoffMs: 20, lingerMs: 0 };
const EMAIL = "jane.doe@example.com";

/** An agent run with a model call (usage), a tool call, a failing tool, and a final answer. */
function agent() {
  const model = fakeModel()
    .respond(
      new AIMessage({
        content: "Searching, then booking.",
        tool_calls: [
          { id: "call_s", name: "search_flights", args: { to: "Paris" }, type: "tool_call" },
          { id: "call_b", name: "book_flight", args: { flight: "AF1" }, type: "tool_call" },
        ],
        usage_metadata: { ...usage(12, 6), input_token_details: { cache_read: 4 } },
        response_metadata: { model_name: "gpt-test-1" },
      }),
    )
    .respond(new AIMessage({ content: "Booking failed; found 3 flights.", usage_metadata: usage(30, 8), response_metadata: { model_name: "gpt-test-1" } }));
  return createAgent({ model, tools: [searchTool(), failingTool()], name: "travel_agent" });
}

let trails: AuditTrail[] = [];
async function runThrough(sink: Sink, level: "trace" | "debug" = "trace") {
  const dir = tempDir();
  const trail = createAuditTrail({ level, sinks: [jsonlSink({ dir }), sink], delivery: FAST, onError: () => {} });
  trails.push(trail);
  await agent().invoke(
    { messages: [new HumanMessage(`Book Paris for ${EMAIL}`)] },
    { callbacks: [trail.handler({ tags: ["prod"] })], metadata: { session_id: "sess-42", user_id: "user-7", tenant: "acme" } },
  );
  const flushed = await trail.flush({ timeoutMs: 5_000 });
  const events: AuditEvent[] = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl"))
    .flatMap((f) => readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)));
  return { trail, flushed, events };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status: { code: number; message?: string };
  events: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
}
const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  if (!v) return undefined;
  if ("arrayValue" in v) return (v.arrayValue as { values: Array<{ stringValue: string }> }).values.map((x) => x.stringValue);
  return v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.boolValue ?? v.doubleValue);
};
const spansOf = (bodies: string[]): OtlpSpan[] => bodies.flatMap((b) => JSON.parse(b).resourceSpans.flatMap((r: { scopeSpans: Array<{ spans: OtlpSpan[] }> }) => r.scopeSpans.flatMap((s) => s.spans)));

function expectTree(spans: OtlpSpan[]) {
  const ids = new Set(spans.map((s) => s.spanId));
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const roots = spans.filter((s) => !s.parentSpanId);
  expect(roots).toHaveLength(1);
  expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
  for (const s of spans) {
    expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano), `${s.name} ends after it starts`).toBe(true);
    if (!s.parentSpanId) continue;
    expect(ids, `${s.name}'s parent`).toContain(s.parentSpanId);
    const parent = byId.get(s.parentSpanId)!;
    // Children inside their parent. A start event is dated when its run began and the end is that
    // plus the run's duration, on one clock reading: a child never starts before its parent, and
    // ends at most the start's millisecond rounding (1 ms) after it, however loaded the machine.
    expect(BigInt(s.startTimeUnixNano) >= BigInt(parent.startTimeUnixNano), `${s.name} starts inside ${parent.name}`).toBe(true);
    expect(BigInt(s.endTimeUnixNano) <= BigInt(parent.endTimeUnixNano) + 1_100_000n, `${s.name} ends inside ${parent.name}`).toBe(true);
  }
  return roots[0]!;
}

beforeEach(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(trails.map((t) => t.shutdown({ timeoutMs: 50 })));
  trails = [];
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("langfuseSink (OTLP, ingestion v4)", () => {
  it("exports one span per run with Langfuse's attributes, trace attributes on every span, and the audit ids", async () => {
    const bodies: string[] = [];
    const headers: Array<Record<string, string>> = [];
    nock("https://lf.test")
      .persist()
      .post("/api/public/otel/v1/traces")
      .reply(function (_u, body) {
        bodies.push(typeof body === "string" ? body : JSON.stringify(body));
        headers.push(this.req.headers as Record<string, string>);
        return [200, "{}"];
      });
    const { flushed, events } = await runThrough(langfuseSink({ publicKey: "pk-lf-1", secretKey: "sk-lf-1", baseUrl: "https://lf.test", environment: "test", release: "r1" }));
    expect(flushed.complete).toBe(true);
    expect(headers[0]!.authorization).toBe(`Basic ${Buffer.from("pk-lf-1:sk-lf-1").toString("base64")}`);
    expect(headers[0]!["x-langfuse-ingestion-version"]).toBe("4");
    expect(headers[0]!["content-type"]).toBe("application/json");

    const spans = spansOf(bodies);
    const root = expectTree(spans);
    const runIds = new Set(events.filter((e) => e.type.endsWith("_start")).map((e) => e.run_id));
    expect(spans).toHaveLength(runIds.size); // exactly one span per run, each exported once

    expect(root.name).toBe("travel_agent");
    expect(attr(root, "langfuse.observation.type")).toBe("agent");
    expect(JSON.parse(attr(root, "langfuse.observation.input") as string)).toMatchObject({ role: "user" });
    expect(attr(root, "langfuse.observation.output")).toContain("Booking failed; found 3 flights.");
    for (const s of spans) {
      expect(attr(s, "session.id"), s.name).toBe("sess-42");
      expect(attr(s, "user.id"), s.name).toBe("user-7");
      expect(attr(s, "langfuse.trace.tags"), s.name).toEqual(["prod"]);
      expect(attr(s, "langfuse.trace.name"), s.name).toBe("travel_agent");
      expect(attr(s, "langfuse.trace.metadata.tenant"), s.name).toBe("acme");
      expect(attr(s, "langfuse.environment")).toBe("test");
      const eventId = attr(s, "agent_audit.event_id") as string;
      expect(events.map((e) => e.id), s.name).toContain(eventId); // back to the sealed local record
    }

    const generations = spans.filter((s) => attr(s, "langfuse.observation.type") === "generation");
    expect(generations).toHaveLength(2);
    expect(attr(generations[0]!, "langfuse.observation.model.name")).toBe("gpt-test-1");
    expect(JSON.parse(attr(generations[0]!, "langfuse.observation.usage_details") as string)).toEqual({ input: 12, output: 6, total: 18, input_cache_read: 4 });
    expect(generations[0]!.kind).toBe(3); // CLIENT

    const tools = spans.filter((s) => attr(s, "langfuse.observation.type") === "tool");
    expect(tools.map((t) => t.name).sort()).toEqual(["book_flight", "search_flights"]);
    const failed = tools.find((t) => t.name === "book_flight")!;
    expect(attr(failed, "langfuse.observation.level")).toBe("ERROR");
    expect(attr(failed, "langfuse.observation.status_message")).toBe("PaymentTimeoutError: Payment API timeout");
    expect(failed.status.code).toBe(2);
    expect(attr(failed.events[0] as never, "exception.stacktrace")).toMatch(/PaymentTimeoutError: Payment API timeout\n\s+at /);
    expect(spans.filter((s) => attr(s, "langfuse.observation.type") === "chain").length).toBeGreaterThan(0); // LangGraph nodes at trace level

    expect(bodies.join("")).not.toContain(EMAIL);
    expect(bodies.join("")).toContain("[EMAIL]");
  });

  it("retries a 503, dead-letters a 401, and exports an unfinished run as incomplete at shutdown", async () => {
    nock("https://lf.test").post("/api/public/otel/v1/traces").reply(503).post("/api/public/otel/v1/traces").reply(200);
    const { trail } = await runThrough(langfuseSink({ publicKey: "pk", secretKey: "sk", baseUrl: "https://lf.test", name: "lf" }), "debug");
    expect(trail.stats().sinks.lf).toMatchObject({ failed: 0, pending: 0 });
    expect(trail.stats().sinks.lf!.retries).toBeGreaterThanOrEqual(1);

    nock("https://lf2.test").persist().post("/api/public/otel/v1/traces").reply(401);
    const denied = await runThrough(langfuseSink({ publicKey: "pk", secretKey: "bad", baseUrl: "https://lf2.test", name: "lf2" }), "debug");
    expect(denied.trail.stats().sinks.lf2!.failed).toBeGreaterThan(0);
    expect(denied.trail.stats().sinks.lf2!.last_error ?? "").not.toContain("bad");

    // A run still open at shutdown: its span goes out marked incomplete.
    const bodies: string[] = [];
    nock("https://lf3.test").persist().post("/api/public/otel/v1/traces").reply((_u, b) => (bodies.push(JSON.stringify(b)), [200, "{}"]));
    const dir = tempDir();
    const trail3 = createAuditTrail({ sinks: [jsonlSink({ dir }), langfuseSink({ publicKey: "pk", secretKey: "sk", baseUrl: "https://lf3.test" })], delivery: FAST });
    trail3.handler().handleToolStart({ lc: 1, type: "not_implemented", id: ["slow"] }, "{}", "11111111-1111-4111-8111-111111111111", undefined, [], {}, "slow_tool");
    await trail3.shutdown({ timeoutMs: 2_000 });
    const span = spansOf(bodies).find((s) => s.name === "slow_tool")!;
    expect(attr(span, "agent_audit.incomplete")).toBe(true);
  });

  it("legacy mode speaks /api/public/ingestion and maps its 207 per-item errors", async () => {
    let batch: Array<{ id: string; type: string; body: Record<string, unknown> }> = [];
    nock("https://old-lf.test")
      .post("/api/public/ingestion")
      .reply((_u, body) => {
        batch = (body as { batch: typeof batch }).batch;
        const gen = batch.find((b) => b.type === "generation-create")!;
        return [207, { successes: batch.filter((b) => b !== gen).map((b) => ({ id: b.id, status: 201 })), errors: [{ id: gen.id, status: 400, message: "invalid model" }] }];
      });
    const { trail } = await runThrough(langfuseSink({ publicKey: "pk", secretKey: "sk", baseUrl: "https://old-lf.test", mode: "legacy", delivery: { batchSize: 1000 } }), "debug");
    expect(batch.map((b) => b.type)).toEqual(expect.arrayContaining(["trace-create", "span-create", "generation-create"]));
    const trace = batch.find((b) => b.type === "trace-create")!;
    expect(trace.body).toMatchObject({ name: "travel_agent", userId: "user-7", sessionId: "sess-42", tags: ["prod"] });
    expect(trail.stats().sinks.langfuse!.failed).toBe(1); // the llm_end behind the rejected generation
  });
});

describe("langsmithSink", () => {
  function parseMultipart(body: string, contentType: string): Map<string, unknown> {
    const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
    const parts = new Map<string, unknown>();
    for (const chunk of body.split(`--${boundary}`)) {
      const m = /name="([^"]+)"[\s\S]*?\r\n\r\n([\s\S]*)\r\n$/.exec(chunk);
      if (m) parts.set(m[1]!, JSON.parse(m[2]!));
    }
    return parts;
  }

  it("sends complete runs through /runs/multipart with trace ids, parent ids and dotted order", async () => {
    const parts = new Map<string, unknown>();
    let apiKey: string | undefined;
    nock("https://ls.test").persist().get("/info").reply(200, {});
    nock("https://ls.test")
      .persist()
      .post("/runs/multipart")
      .reply(function (_u, body) {
        apiKey = String(this.req.headers["x-api-key"]);
        const text = typeof body === "string" ? body : Buffer.from(body as never).toString();
        for (const [k, v] of parseMultipart(text, String(this.req.headers["content-type"]))) parts.set(k, v);
        return [202, "{}"];
      });
    const { flushed, events } = await runThrough(langsmithSink({ apiKey: "lsv2_test", apiUrl: "https://ls.test", projectName: "proj" }));
    expect(flushed.complete).toBe(true);
    expect(apiKey).toBe("lsv2_test");

    const runs = [...parts].filter(([k]) => /^post\.[^.]+$/.test(k)).map(([k, v]) => ({ ...(v as Record<string, unknown>), extra: parts.get(`${k}.extra`), inputs: parts.get(`${k}.inputs`), outputs: parts.get(`${k}.outputs`), error: (v as { error?: string }).error ?? parts.get(`${k}.error`) })) as Array<Record<string, any>>;
    const runIds = new Set(events.filter((e) => e.type.endsWith("_start")).map((e) => e.run_id));
    expect(runs).toHaveLength(runIds.size);
    const byId = new Map(runs.map((r) => [r.id, r]));
    const root = runs.find((r) => !r.parent_run_id)!;
    expect(root).toMatchObject({ name: "travel_agent", run_type: "chain", session_name: "proj", trace_id: root.id });
    for (const r of runs) {
      expect(r.trace_id).toBe(root.id);
      expect(r.extra.metadata).toMatchObject({ session_id: "sess-42", user_id: "user-7", tenant: "acme" });
      if (r.parent_run_id) {
        const parent = byId.get(r.parent_run_id)!;
        expect(r.dotted_order.startsWith(`${parent.dotted_order}.`), r.name).toBe(true);
        expect(r.dotted_order.endsWith(r.id)).toBe(true);
      }
    }
    const llm = runs.find((r) => r.run_type === "llm")!;
    expect(llm.outputs.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 6 });
    expect(llm.extra.metadata.ls_model_name).toBe("gpt-test-1");
    const failed = runs.find((r) => r.name === "book_flight")!;
    expect(failed.run_type).toBe("tool");
    expect(failed.error).toMatch(/^PaymentTimeoutError: Payment API timeout\n/);
    expect(JSON.stringify([...parts])).not.toContain(EMAIL);
  });

  it("falls back to /runs/batch when the server has no multipart endpoint, and maps 429 to retryable", async () => {
    const posted: Array<Record<string, unknown>> = [];
    nock("https://old-ls.test").persist().get("/info").reply(200, {});
    nock("https://old-ls.test").persist().post("/runs/multipart").reply(404, { detail: "Not Found" });
    nock("https://old-ls.test").post("/runs/batch").reply(429, "", { "retry-after": "0" });
    nock("https://old-ls.test")
      .persist()
      .post("/runs/batch")
      .reply((_u, body) => (posted.push(...((body as { post: Array<Record<string, unknown>> }).post)), [200, "{}"]));
    const { trail, events } = await runThrough(langsmithSink({ apiKey: "k", apiUrl: "https://old-ls.test" }), "debug");
    expect(trail.stats().sinks.langsmith).toMatchObject({ pending: 0, failed: 0 });
    expect(trail.stats().sinks.langsmith!.retries).toBeGreaterThanOrEqual(1);
    expect(new Set(posted.map((p) => p.id))).toEqual(new Set(events.filter((e) => e.type.endsWith("_start")).map((e) => e.run_id)));
  });
});

describe("otlpSink (OpenTelemetry GenAI conventions)", () => {
  it("names and attributes spans per gen_ai.*, to any OTLP/HTTP endpoint", async () => {
    const bodies: string[] = [];
    let auth: string | undefined;
    nock("https://otel.test")
      .persist()
      .post("/v1/traces")
      .reply(function (_u, body) {
        auth = String(this.req.headers["dd-api-key"]);
        bodies.push(JSON.stringify(body));
        return [200, "{}"];
      });
    const { flushed } = await runThrough(otlpSink({ url: "https://otel.test", headers: { "dd-api-key": "dd-secret" }, serviceName: "travel" }), "debug");
    expect(flushed.complete).toBe(true);
    expect(auth).toBe("dd-secret");
    const resource = JSON.parse(bodies[0]!).resourceSpans[0].resource.attributes;
    expect(resource).toContainEqual({ key: "service.name", value: { stringValue: "travel" } });
    const spans = spansOf(bodies);
    const root = expectTree(spans);
    expect(root.name).toBe("invoke_agent travel_agent");
    expect(attr(root, "gen_ai.operation.name")).toBe("invoke_agent");
    const chat = spans.filter((s) => attr(s, "gen_ai.operation.name") === "chat");
    expect(chat.map((s) => s.name)).toEqual(["chat gpt-test-1", "chat gpt-test-1"]);
    expect(attr(chat[0]!, "gen_ai.usage.input_tokens")).toBe(12);
    expect(attr(chat[0]!, "gen_ai.usage.output_tokens")).toBe(6);
    expect(attr(chat[0]!, "gen_ai.conversation.id")).toBe("sess-42");
    const tool = spans.find((s) => s.name === "execute_tool search_flights")!;
    expect(attr(tool, "gen_ai.tool.name")).toBe("search_flights");
    expect(attr(tool, "gen_ai.tool.call.id")).toBe("call_s");
    const failed = spans.find((s) => s.name === "execute_tool book_flight")!;
    expect(attr(failed, "error.type")).toBe("PaymentTimeoutError");
    expect(failed.status.code).toBe(2);
  });

  it("speaks protobuf when asked", async () => {
    let type: string | undefined;
    let size = 0;
    nock("https://otel-pb.test")
      .persist()
      .post("/v1/traces")
      .reply(function (_u, body) {
        type = String(this.req.headers["content-type"]);
        size += typeof body === "string" ? Buffer.from(body, "hex").length || body.length : JSON.stringify(body).length;
        return [200, ""];
      });
    const { flushed } = await runThrough(otlpSink({ url: "https://otel-pb.test/v1/traces", protocol: "http/protobuf" }), "debug");
    expect(flushed.complete).toBe(true);
    expect(type).toBe("application/x-protobuf");
    expect(size).toBeGreaterThan(100);
  });
});

describe("configuration from the environment", () => {
  it("adds Langfuse, LangSmith and OTLP sinks when their variables are set, and names missing keys", () => {
    expect(sinksFromEnvironment({})).toEqual([]);
    const env = { LANGFUSE_PUBLIC_KEY: "pk", LANGFUSE_SECRET_KEY: "sk", LANGSMITH_API_KEY: "ls", OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318" };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(sinksFromEnvironment(env).map((s) => s.name)).toEqual(["langfuse", "langsmith", "otlp"]);
      expect((sinksFromEnvironment(env)[2] as unknown as { endpoint: string }).endpoint).toBe("http://localhost:4318/v1/traces");
    } finally {
      process.env = saved;
    }
    delete process.env.LANGFUSE_PUBLIC_KEY;
    expect(() => langfuseSink({ secretKey: "sk" })).toThrow(/publicKey is missing.*LANGFUSE_PUBLIC_KEY/);
  });
});
