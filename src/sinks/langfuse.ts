/**
 * `langfuseSink()`: Langfuse over OpenTelemetry (OTLP/HTTP JSON to `/api/public/otel/v1/traces`,
 * ingestion version 4). One complete span per LangChain run, exported once when the run ends;
 * trace attributes (user, session, tags, name, metadata) on every span, so any observation can be
 * filtered by them; the sealed audit event's id and hash on each span, to go from Langfuse back
 * to the local record. `mode: "legacy"` speaks the old `/api/public/ingestion` batch API for
 * self-hosted servers older than v4.
 */
import * as z from "zod";
import type { Attributes } from "@opentelemetry/api";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { OK, type DeliveryOptions, type ItemResult, type SendContext, type SendResult, type Sink } from "./types.js";
import { BatchRuns, type RunRecord } from "./shared/runs.js";
import { encodeSpans, jsonAttr, SpanKind, spanIdOf, SpanStatusCode, traceIdOf, type SpanInput } from "./shared/otlp.js";
import { post } from "./shared/http.js";
import { auditAttributes, errorAttributes, rootOutput, usageOf } from "./shared/span-data.js";
import { VERSION } from "../version.js";

const optionsSchema = z
  .object({
    publicKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    baseUrl: z.string().url().optional(),
    environment: z.string().min(1).optional(),
    release: z.string().min(1).optional(),
    mode: z.enum(["otlp", "legacy"]).optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type LangfuseSinkOptions = z.input<typeof optionsSchema>;

const LEVEL: Record<string, string> = { trace: "DEBUG", debug: "DEBUG", info: "DEFAULT", warn: "WARNING", error: "ERROR" };

export function langfuseSink(options: LangfuseSinkOptions = {}): Sink & { readonly endpoint: string } {
  const opts = parseOptions("langfuseSink", optionsSchema, options);
  const publicKey = opts.publicKey ?? process.env.LANGFUSE_PUBLIC_KEY;
  const secretKey = opts.secretKey ?? process.env.LANGFUSE_SECRET_KEY;
  if (!publicKey) failConfig("langfuseSink: publicKey is missing. Fix: pass publicKey (pk-lf-…) or set LANGFUSE_PUBLIC_KEY.");
  if (!secretKey) failConfig("langfuseSink: secretKey is missing. Fix: pass secretKey (sk-lf-…) or set LANGFUSE_SECRET_KEY.");
  const baseUrl = (opts.baseUrl ?? process.env.LANGFUSE_BASE_URL ?? process.env.LANGFUSE_HOST ?? "https://cloud.langfuse.com").replace(/\/+$/, "");
  const legacy = opts.mode === "legacy";
  const endpoint = `${baseUrl}${legacy ? "/api/public/ingestion" : "/api/public/otel/v1/traces"}`;
  const auth = `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString("base64")}`;
  const pairing = new BatchRuns();

  const send = (batch: readonly AuditEvent[], context?: SendContext): Promise<SendResult> =>
    exportRuns(pairing.runsFor(batch, context?.batchId), batch, context?.signal);

  const exportRuns = async (runs: RunRecord[], batch: readonly AuditEvent[], signal?: AbortSignal): Promise<SendResult> => {
    if (runs.length === 0) return OK;
    if (legacy) return sendLegacy(runs, batch, signal);
    const spans = runs.map((r) => toSpan(r, opts.environment, opts.release));
    const { body, contentType } = encodeSpans(spans, {
      protocol: "http/json",
      resource: { "service.name": "agent-audit-trail", "telemetry.sdk.language": "nodejs" },
      scope: { name: "agent-audit-trail", version: VERSION },
    });
    const { result } = await post(endpoint, { headers: { authorization: auth, "content-type": contentType, "x-langfuse-ingestion-version": "4" }, body, signal });
    return result;
  };

  const sendLegacy = async (runs: RunRecord[], batch: readonly AuditEvent[], signal?: AbortSignal): Promise<SendResult> => {
    const items = runs.flatMap((r) => legacyItems(r, opts.environment, opts.release));
    const { result, body } = await post(endpoint, { headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify({ batch: items, metadata: { sdk_name: "agent-audit-trail", sdk_version: VERSION } }) , signal }, true);
    if (!result.ok) return result;
    // 207: per-item results. An item's verdict applies to the event that ended its run.
    let parsed: { errors?: Array<{ id: string; status: number; message?: string }> } = {};
    try {
      parsed = JSON.parse(body || "{}");
    } catch {
      return OK;
    }
    if (!parsed.errors?.length) return OK;
    const failedRun = new Map<string, { status: number; message?: string }>();
    for (const err of parsed.errors) {
      const run = runs.find((r) => legacyIds(r).includes(err.id));
      if (run?.endEvent) failedRun.set(run.endEvent.id, err);
    }
    const verdicts: ItemResult[] = batch.map((e) => {
      const err = failedRun.get(e.id);
      if (!err) return { ok: true };
      const retryable = err.status === 429 || err.status >= 500;
      return { ok: false, retryable, error: `Langfuse rejected ${e.type} (HTTP ${err.status})` };
    });
    if (verdicts.every((v) => v.ok)) return OK;
    return { ok: false, retryable: verdicts.some((v) => !v.ok && v.retryable), error: "Langfuse rejected some items", items: verdicts };
  };

  return {
    name: opts.name ?? "langfuse",
    kind: "remote",
    endpoint,
    defaultDelivery: { batchSize: 200 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    send,
    async erase(traceIds: readonly string[]) {
      // Langfuse's public API deletes a trace with all its observations.
      const failed: string[] = [];
      for (const id of traceIds) {
        const res = await fetch(`${baseUrl}/api/public/traces/${traceIdOf(id)}`, { method: "DELETE", headers: { authorization: auth } }).catch(() => undefined);
        await res?.arrayBuffer().catch(() => undefined);
        if (!res || (!res.ok && res.status !== 404)) failed.push(id);
      }
      return failed.length ? { ok: false, detail: `${failed.length} of ${traceIds.length} trace(s) could not be deleted; retry the erasure` } : { ok: true, detail: `${traceIds.length} trace(s) deleted` };
    },
    async close() {
      // Runs still open at shutdown are exported, marked incomplete (best effort: no retry left).
      const open = pairing.assembler.drainOpen();
      if (open.length) await exportRuns(open, [], AbortSignal.timeout(5_000)).catch(() => undefined);
    },
  };
}

function observationType(r: RunRecord): string {
  if (r.kind === "llm") return "generation";
  if (r.kind === "tool") return "tool";
  if (r.kind === "retriever") return "retriever";
  if (r.isRoot) return r.hadModelCalls ? "agent" : "chain";
  return "chain";
}

function toSpan(r: RunRecord, environment?: string, release?: string): SpanInput {
  const a: Attributes = {};
  if (environment) a["langfuse.environment"] = environment;
  if (release) a["langfuse.release"] = release;
  // Trace attributes on every span: Langfuse filters observations by them.
  if (r.userId) a["user.id"] = r.userId;
  if (r.sessionId) a["session.id"] = r.sessionId;
  if (r.tags?.length) a["langfuse.trace.tags"] = r.tags;
  if (r.traceName) a["langfuse.trace.name"] = r.traceName;
  for (const [k, v] of Object.entries(r.metadata ?? {})) {
    a[`langfuse.trace.metadata.${k}`] = jsonAttr(v);
    a[`langfuse.observation.metadata.${k}`] = jsonAttr(v);
  }
  a["langfuse.observation.type"] = observationType(r);
  a["langfuse.observation.level"] = r.status === "error" ? "ERROR" : (LEVEL[r.level] ?? "DEFAULT");
  const output = r.isRoot ? rootOutput(r) : r.output;
  if (r.input !== undefined) a["langfuse.observation.input"] = jsonAttr(r.input);
  if (output !== undefined) a["langfuse.observation.output"] = jsonAttr(output);
  if (r.isRoot) {
    if (r.input !== undefined) a["langfuse.trace.input"] = jsonAttr(r.input);
    if (output !== undefined) a["langfuse.trace.output"] = jsonAttr(output);
  }
  if (r.kind === "llm") {
    const model = (r.endData.model ?? r.startData.model) as string | undefined;
    if (model) a["langfuse.observation.model.name"] = model;
    if (r.startData.params) a["langfuse.observation.model.parameters"] = jsonAttr(r.startData.params);
    const usage = usageOf(r);
    if (usage) {
      const details: Record<string, number> = {};
      if (usage.input_tokens !== undefined) details.input = usage.input_tokens;
      if (usage.output_tokens !== undefined) details.output = usage.output_tokens;
      if (usage.total_tokens !== undefined) details.total = usage.total_tokens;
      if (usage.cache_read_tokens !== undefined) details.input_cache_read = usage.cache_read_tokens;
      if (usage.cache_creation_tokens !== undefined) details.input_cache_creation = usage.cache_creation_tokens;
      if (usage.reasoning_tokens !== undefined) details.output_reasoning = usage.reasoning_tokens;
      a["langfuse.observation.usage_details"] = JSON.stringify(details);
    }
    const ttft = r.endData.time_to_first_token_ms as number | undefined;
    if (ttft !== undefined) a["langfuse.observation.completion_start_time"] = JSON.stringify(new Date(r.startMs + ttft).toISOString());
  }
  if (r.status === "error" && r.error) a["langfuse.observation.status_message"] = `${r.error.type ?? "Error"}: ${r.error.message ?? ""}`;
  if (r.status === "interrupted") a["langfuse.observation.status_message"] = "interrupted (waiting for a human)";
  if (r.incomplete) a["langfuse.observation.metadata.incomplete"] = "true";
  Object.assign(a, auditAttributes(r));
  return {
    traceId: traceIdOf(r.traceId),
    spanId: spanIdOf(r.runId),
    parentSpanId: r.parentRunId ? spanIdOf(r.parentRunId) : undefined,
    name: r.name,
    kind: r.kind === "llm" ? SpanKind.CLIENT : SpanKind.INTERNAL,
    startMs: r.startMs,
    endMs: r.endMs,
    attributes: a,
    status: r.status === "error" ? { code: SpanStatusCode.ERROR, message: `${r.error?.type ?? "Error"}: ${r.error?.message ?? ""}` } : { code: SpanStatusCode.UNSET },
    events: r.status === "error" ? [{ name: "exception", timeMs: r.endMs, attributes: errorAttributes(r) }] : [],
  };
}

// ---- legacy /api/public/ingestion (servers before v4) -----------------------------------------

const legacyIds = (r: RunRecord) => [`${r.runId}-create`, `${r.traceId}-trace`];

function legacyItems(r: RunRecord, environment?: string, release?: string): unknown[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  const items: unknown[] = [];
  if (r.isRoot) {
    items.push({
      id: `${r.traceId}-trace`,
      type: "trace-create",
      timestamp: iso(r.startMs),
      body: { id: r.traceId, name: r.traceName ?? r.name, userId: r.userId, sessionId: r.sessionId, tags: r.tags, metadata: r.metadata, input: r.input, output: rootOutput(r), environment, release },
    });
  }
  const usage = usageOf(r);
  items.push({
    id: `${r.runId}-create`,
    type: r.kind === "llm" ? "generation-create" : "span-create",
    timestamp: iso(r.endMs),
    body: {
      id: r.runId,
      traceId: r.traceId,
      parentObservationId: r.parentRunId,
      name: r.name,
      startTime: iso(r.startMs),
      endTime: iso(r.endMs),
      input: r.input,
      output: r.isRoot ? rootOutput(r) : r.output,
      level: r.status === "error" ? "ERROR" : (LEVEL[r.level] ?? "DEFAULT"),
      statusMessage: r.error ? `${r.error.type ?? "Error"}: ${r.error.message ?? ""}` : undefined,
      metadata: { ...r.metadata, ...auditAttributes(r) },
      environment,
      release,
      ...(r.kind === "llm"
        ? { model: r.endData.model ?? r.startData.model, modelParameters: r.startData.params, usage: usage ? { input: usage.input_tokens, output: usage.output_tokens, total: usage.total_tokens } : undefined }
        : {}),
    },
  });
  return items;
}
