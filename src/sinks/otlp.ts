/**
 * `otlpSink()`: any OpenTelemetry backend (Jaeger, Grafana Tempo, Honeycomb, Datadog, New Relic...)
 * over OTLP/HTTP, one span per LangChain run, named and attributed per the OpenTelemetry GenAI
 * semantic conventions (`gen_ai.*`), so GenAI-aware backends show model calls and tool executions
 * as such.
 */
import * as z from "zod";
import type { Attributes } from "@opentelemetry/api";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { OK, type DeliveryOptions, type SendContext, type SendResult, type Sink } from "./types.js";
import { BatchRuns, type RunRecord } from "./shared/runs.js";
import { encodeSpans, jsonAttr, SpanKind, spanIdOf, SpanStatusCode, traceIdOf, type OtlpProtocol, type SpanInput } from "./shared/otlp.js";
import { post } from "./shared/http.js";
import { auditAttributes, errorAttributes, rootOutput, usageOf } from "./shared/span-data.js";
import { VERSION } from "../version.js";

const optionsSchema = z
  .object({
    /** The traces endpoint, or a base URL to which /v1/traces is added (OTEL_EXPORTER_OTLP_ENDPOINT). */
    url: z.string().url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    protocol: z.enum(["http/json", "http/protobuf"]).optional(),
    serviceName: z.string().min(1).optional(),
    /** Record message contents and tool arguments/results as span attributes (default true; redacted either way). */
    captureContent: z.boolean().optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type OtlpSinkOptions = z.input<typeof optionsSchema>;

/** `OTEL_EXPORTER_OTLP_HEADERS` format: `key=value,key2=value2` (values URL-encoded). */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of (text ?? "").split(",")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    headers[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return headers;
}

export function otlpSink(options: OtlpSinkOptions = {}): Sink & { readonly endpoint: string } {
  const opts = parseOptions("otlpSink", optionsSchema, options);
  const base = opts.url ?? process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!base) failConfig("otlpSink: url is missing. Fix: pass url (e.g. http://localhost:4318) or set OTEL_EXPORTER_OTLP_ENDPOINT.");
  const u = new URL(base);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/v1/traces";
  const endpoint = u.toString();
  const protocol: OtlpProtocol = opts.protocol ?? (process.env.OTEL_EXPORTER_OTLP_PROTOCOL === "http/protobuf" ? "http/protobuf" : "http/json");
  const headers = { ...parseOtlpHeaders(process.env.OTEL_EXPORTER_OTLP_HEADERS), ...opts.headers };
  const service = opts.serviceName ?? process.env.OTEL_SERVICE_NAME ?? "agent-audit-trail";
  const content = opts.captureContent ?? true;
  const pairing = new BatchRuns();

  const exportRuns = async (runs: RunRecord[], signal?: AbortSignal): Promise<SendResult> => {
    if (runs.length === 0) return OK;
    const { body, contentType } = encodeSpans(
      runs.map((r) => toGenAiSpan(r, content)),
      { protocol, resource: { "service.name": service }, scope: { name: "agent-audit-trail", version: VERSION } },
    );
    return (await post(endpoint, { headers: { ...headers, "content-type": contentType }, body, signal })).result;
  };

  return {
    name: opts.name ?? "otlp",
    kind: "remote",
    endpoint,
    defaultDelivery: { batchSize: 512 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    send(batch: readonly AuditEvent[], context?: SendContext) {
      return exportRuns(pairing.runsFor(batch, context?.batchId), context?.signal);
    },
    async close() {
      const open = pairing.assembler.drainOpen();
      if (open.length) await exportRuns(open, AbortSignal.timeout(5_000)).catch(() => undefined);
    },
  };
}

/** GenAI provider names for LangChain's `ls_provider` values. */
const PROVIDERS: Record<string, string> = {
  openai: "openai", azure: "azure.ai.openai", anthropic: "anthropic", google_genai: "gcp.gemini", google_vertexai: "gcp.vertex_ai",
  bedrock: "aws.bedrock", amazon_bedrock: "aws.bedrock", mistralai: "mistral_ai", groq: "groq", cohere: "cohere", deepseek: "deepseek", xai: "x_ai", ollama: "ollama",
};

function toGenAiSpan(r: RunRecord, content: boolean): SpanInput {
  const a: Attributes = {};
  let name = r.name;
  let kind = SpanKind.INTERNAL;
  if (r.kind === "llm") {
    const chat = r.startData.model_type !== "llm";
    const model = (r.startData.model ?? r.endData.model) as string | undefined;
    a["gen_ai.operation.name"] = chat ? "chat" : "text_completion";
    const provider = r.startData.provider as string | undefined;
    if (provider) a["gen_ai.provider.name"] = PROVIDERS[provider.toLowerCase()] ?? provider;
    if (model) a["gen_ai.request.model"] = model;
    if (r.endData.model) a["gen_ai.response.model"] = r.endData.model as string;
    const params = (r.startData.params ?? {}) as Record<string, unknown>;
    const num = (k: string) => (typeof params[k] === "number" ? (params[k] as number) : undefined);
    const set = (key: string, v: number | undefined) => v !== undefined && (a[key] = v);
    set("gen_ai.request.temperature", num("temperature"));
    set("gen_ai.request.top_p", num("top_p") ?? num("topP"));
    set("gen_ai.request.max_tokens", num("max_tokens") ?? num("maxTokens") ?? num("max_output_tokens"));
    const usage = usageOf(r);
    if (usage?.input_tokens !== undefined) a["gen_ai.usage.input_tokens"] = usage.input_tokens;
    if (usage?.output_tokens !== undefined) a["gen_ai.usage.output_tokens"] = usage.output_tokens;
    if (usage?.cache_read_tokens !== undefined) a["gen_ai.usage.cache_read.input_tokens"] = usage.cache_read_tokens;
    if (r.endData.finish_reason) a["gen_ai.response.finish_reasons"] = [String(r.endData.finish_reason)];
    if (content && r.input !== undefined) a["gen_ai.input.messages"] = jsonAttr(r.input);
    if (content && r.output !== undefined) a["gen_ai.output.messages"] = jsonAttr([r.output]);
    name = `${a["gen_ai.operation.name"]}${model ? ` ${model}` : ""}`;
    kind = SpanKind.CLIENT;
  } else if (r.kind === "tool") {
    a["gen_ai.operation.name"] = "execute_tool";
    a["gen_ai.tool.name"] = r.name;
    a["gen_ai.tool.type"] = "function";
    const callId = (r.startData.tool_call_id ?? r.endData.tool_call_id) as string | undefined;
    if (callId) a["gen_ai.tool.call.id"] = callId;
    if (content && r.input !== undefined) a["gen_ai.tool.call.arguments"] = jsonAttr(r.input);
    if (content && r.output !== undefined) a["gen_ai.tool.call.result"] = jsonAttr(r.output);
    name = `execute_tool ${r.name}`;
  } else if (r.isRoot && r.hadModelCalls) {
    a["gen_ai.operation.name"] = "invoke_agent";
    a["gen_ai.agent.name"] = r.name;
    name = `invoke_agent ${r.name}`;
    if (content && r.input !== undefined) a["gen_ai.input.messages"] = jsonAttr(r.input);
    const out = rootOutput(r);
    if (content && out !== undefined) a["gen_ai.output.messages"] = jsonAttr(out);
  } else if (r.kind === "retriever") {
    a["gen_ai.operation.name"] = "retrieval";
    name = `retrieval ${r.name}`;
  }
  if (r.sessionId) {
    a["gen_ai.conversation.id"] = r.sessionId;
    a["session.id"] = r.sessionId;
  }
  if (r.userId) a["user.id"] = r.userId;
  if (r.tags?.length) a["agent_audit.tags"] = r.tags;
  for (const [k, v] of Object.entries(r.metadata ?? {})) a[`agent_audit.metadata.${k}`] = jsonAttr(v);
  if (r.status === "error") a["error.type"] = r.error?.type ?? "Error";
  if (r.status === "interrupted") a["agent_audit.status"] = "interrupted";
  Object.assign(a, auditAttributes(r));
  return {
    traceId: traceIdOf(r.traceId),
    spanId: spanIdOf(r.runId),
    parentSpanId: r.parentRunId ? spanIdOf(r.parentRunId) : undefined,
    name,
    kind,
    startMs: r.startMs,
    endMs: r.endMs,
    attributes: a,
    status: r.status === "error" ? { code: SpanStatusCode.ERROR, message: `${r.error?.type ?? "Error"}: ${r.error?.message ?? ""}` } : { code: SpanStatusCode.UNSET },
    events: r.status === "error" ? [{ name: "exception", timeMs: r.endMs, attributes: errorAttributes(r) }] : [],
  };
}
