/**
 * `langsmithSink()`: LangSmith runs, sent with the official `langsmith` client's batch ingestion
 * (`/runs/multipart`, falling back to `/runs/batch` on servers without it). Each LangChain run is
 * sent once, complete (start, end, inputs, outputs, error), with its `trace_id`, `parent_run_id`
 * and `dotted_order`, and with session and user in `extra.metadata` on every run.
 *
 * The client is used call by call and awaited: its own background queue and retries are off, so
 * the delivery layer (spool, retry, dead letters) decides, and nothing piles up in memory. The
 * client swallows some HTTP failures; a fetch wrapper sees every response so none goes unnoticed.
 */
import * as z from "zod";
import { Client } from "langsmith";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { OK, type DeliveryOptions, type SendContext, type SendResult, type Sink } from "./types.js";
import { BatchRuns, type RunRecord } from "./shared/runs.js";
import { statusResult, transportCode } from "./shared/http.js";
import { auditAttributes, rootOutput, usageOf } from "./shared/span-data.js";
import { endpointLabel } from "./shared/endpoint.js";

const optionsSchema = z
  .object({
    apiKey: z.string().min(1).optional(),
    apiUrl: z.string().url().optional(),
    projectName: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type LangsmithSinkOptions = z.input<typeof optionsSchema>;

interface Seen {
  status?: number;
  statusText?: string;
  retryAfter?: string | null;
  transport?: string;
}

export function langsmithSink(options: LangsmithSinkOptions = {}): Sink & { readonly apiUrl: string } {
  const opts = parseOptions("langsmithSink", optionsSchema, options);
  const env = process.env;
  const apiKey = opts.apiKey ?? env.LANGSMITH_API_KEY ?? env.LANGCHAIN_API_KEY;
  if (!apiKey) failConfig("langsmithSink: apiKey is missing. Fix: pass apiKey (lsv2_…) or set LANGSMITH_API_KEY.");
  const apiUrl = (opts.apiUrl ?? env.LANGSMITH_ENDPOINT ?? env.LANGCHAIN_ENDPOINT ?? "https://api.smith.langchain.com").replace(/\/+$/, "");
  const project = opts.projectName ?? env.LANGSMITH_PROJECT ?? env.LANGCHAIN_PROJECT ?? "default";
  const where = endpointLabel(apiUrl) ?? "LangSmith";

  // Every response the client gets, for the send in progress (sends are serialized below).
  let seen: Seen[] = [];
  let signal: AbortSignal | undefined;
  const client = new Client({
    apiUrl,
    apiKey,
    autoBatchTracing: false,
    callerOptions: { maxRetries: 0 },
    fetchImplementation: (async (url: string, init?: RequestInit) => {
      try {
        const response = await fetch(url, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) });
        seen.push({ status: response.status, statusText: response.statusText, retryAfter: response.headers.get("retry-after") });
        return response;
      } catch (err) {
        seen.push({ transport: transportCode(err) });
        throw err;
      }
    }) as typeof fetch,
  });
  const pairing = new BatchRuns();
  const dotted = new Map<string, string>();
  let multipart = true;
  let queue: Promise<unknown> = Promise.resolve();

  /**
   * Places in the run tree, computed as runs start (a parent always starts before its children,
   * and the events arrive in that order), so a run finds its parent's place when it ends.
   */
  const place = (e: AuditEvent): void => {
    if (!e.run_id || !e.type.endsWith("_start") || dotted.has(e.run_id)) return;
    const own = `${stamp(Date.parse(e.ts), e.seq)}${e.run_id}`;
    const parent = e.parent_run_id ? dotted.get(e.parent_run_id) : undefined;
    dotted.set(e.run_id, parent ? `${parent}.${own}` : own);
  };
  const dottedOrder = (r: RunRecord): string => {
    const known = dotted.get(r.runId);
    if (known) return known;
    // The start was never seen (lost before a crash): place it under its parent if that is known.
    const own = `${stamp(r.startMs, r.endEvent?.seq ?? 0)}${r.runId}`;
    const parent = r.parentRunId ? dotted.get(r.parentRunId) : undefined;
    return parent ? `${parent}.${own}` : own;
  };

  const toRun = (r: RunRecord) => {
    const order = dottedOrder(r);
    const linked = order.includes(".") || !r.parentRunId; // the parent's place in the tree is known
    const output = r.isRoot ? rootOutput(r) : r.output;
    const usage = usageOf(r);
    const run = {
      id: r.runId,
      name: r.name,
      run_type: r.kind,
      start_time: new Date(r.startMs).toISOString(),
      end_time: new Date(r.endMs).toISOString(),
      inputs: asRecord(r.input, r.kind === "llm" ? "messages" : "input"),
      outputs: r.status === "error" ? undefined : { ...asRecord(output, "output"), ...(usage ? { usage_metadata: usage } : {}) },
      error: r.status === "error" ? [`${r.error?.type ?? "Error"}: ${r.error?.message ?? ""}`, r.error?.stack].filter(Boolean).join("\n") : undefined,
      extra: {
        metadata: {
          ...r.metadata,
          ...(r.sessionId ? { session_id: r.sessionId } : {}),
          ...(r.userId ? { user_id: r.userId } : {}),
          ...(r.kind === "llm" ? { ls_provider: r.startData.provider, ls_model_name: r.endData.model ?? r.startData.model } : {}),
          ...auditAttributes(r),
        },
        ...(r.kind === "llm" && r.startData.params ? { invocation_params: r.startData.params } : {}),
      },
      tags: r.tags,
      parent_run_id: linked ? r.parentRunId : undefined,
      trace_id: linked ? r.traceId : r.runId,
      dotted_order: order,
      session_name: project,
    };
    return run;
  };

  const exportRuns = async (runs: RunRecord[], abort?: AbortSignal): Promise<SendResult> => {
    if (runs.length === 0) return OK;
    const creates = runs.map(toRun);
    // A finished trace's places in the tree are no longer needed.
    for (const r of runs) {
      if (!r.isRoot) continue;
      const rootOrder = dotted.get(r.runId)!;
      for (const [id, order] of dotted) if (order.startsWith(rootOrder)) dotted.delete(id);
    }
    if (dotted.size > 50_000) dotted.clear();
    seen = [];
    signal = abort;
    try {
      if (multipart) {
        try {
          await client.multipartIngestRuns({ runCreates: creates as never });
        } catch (err) {
          if ((err as { status?: number }).status !== 404 && !/404|not found/i.test(String((err as Error).message))) throw err;
          multipart = false; // an older server: use /runs/batch from now on
          seen = [];
          await client.batchIngestRuns({ runCreates: creates as never });
        }
      } else {
        await client.batchIngestRuns({ runCreates: creates as never });
      }
    } catch {
      // The verdict comes from what the server answered (recorded below), not the client's message.
    }
    const failed = seen.filter((s) => s.transport || (s.status !== undefined && s.status >= 300 && !s.status.toString().startsWith("409")));
    const worst = failed[failed.length - 1];
    if (!worst) return seen.length ? OK : { ok: false, retryable: true, error: `no answer from ${where}` };
    if (worst.transport) return { ok: false, retryable: true, error: `cannot reach ${where}: ${worst.transport}` };
    return statusResult(worst.status!, worst.statusText ?? "", worst.retryAfter, where);
  };

  return {
    name: opts.name ?? "langsmith",
    kind: "remote",
    apiUrl,
    endpoint: apiUrl,
    defaultDelivery: { batchSize: 100 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    send(batch: readonly AuditEvent[], context?: SendContext): Promise<SendResult> {
      const run = () => exportRuns(pairing.runsFor(batch, context?.batchId, (b) => b.forEach(place)), context?.signal);
      const result = queue.then(run, run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      const open = pairing.assembler.drainOpen();
      if (open.length) await exportRuns(open, AbortSignal.timeout(5_000)).catch(() => undefined);
    },
  };
}

/** LangSmith's dotted-order timestamp: YYYYMMDDTHHMMSSffffffZ, the sequence in the microseconds. */
function stamp(ms: number, seq: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-27T09:29:05.141Z
  const micro = `${iso.slice(20, 23)}${String(seq % 1000).padStart(3, "0")}`;
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}${micro}Z`;
}

function asRecord(value: unknown, key: string): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  return value === undefined ? {} : { [key]: value };
}
