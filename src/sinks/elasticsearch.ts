/**
 * `elasticsearchSink({ node, index, auth, client })`: recent trails searchable in Elasticsearch or
 * OpenSearch. `_bulk` index requests with the event `id` as document `_id` (a redelivery overwrites
 * the same document, never duplicates), into a daily index `<index>-YYYY.MM.DD` whose template maps
 * the envelope (keyword ids, date `ts`, numeric durations and token counts) and keeps `data` as an
 * object whose new fields are stored but not mapped (no mapping explosion from tool payloads).
 * Per-item results: 429 and 5xx are retried, other rejections (mapping errors) dead-lettered.
 */
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { transportCode } from "./shared/http.js";
import { OK, type DeliveryOptions, type ItemResult, type SendResult, type Sink } from "./types.js";
import { endpointLabel } from "./shared/endpoint.js";

/** The part of the Elasticsearch / OpenSearch client this sink uses. */
export interface BulkClient {
  bulk(params: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
  indices: { putIndexTemplate(params: Record<string, unknown>): Promise<unknown> };
}

const optionsSchema = z
  .object({
    node: z.string().url().optional(),
    index: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "index names are lower case: letters, digits, - and _").optional(),
    auth: z.union([z.object({ username: z.string(), password: z.string() }).strict(), z.object({ apiKey: z.string() }).strict()]).optional(),
    client: z.custom<BulkClient>((v) => typeof v === "object" && v !== null && typeof (v as BulkClient).bulk === "function", { message: "expected an Elasticsearch or OpenSearch client" }).optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type ElasticsearchSinkOptions = z.input<typeof optionsSchema>;

export function indexTemplate(index: string) {
  const keyword = { type: "keyword" };
  return {
    name: `${index}-template`,
    index_patterns: [`${index}-*`],
    template: {
      settings: { "index.mapping.total_fields.limit": 200 },
      mappings: {
        dynamic: false,
        properties: {
          id: keyword, ts: { type: "date" }, seq: { type: "long" }, level: keyword, type: keyword, session_id: keyword, user_id: keyword, trace_id: keyword,
          run_id: keyword, parent_run_id: keyword, name: keyword, tags: keyword, status: keyword, duration_ms: { type: "float" }, chain_id: keyword,
          hash: keyword, metadata: { type: "object", dynamic: false },
          data: {
            type: "object",
            dynamic: false, // stored in _source, searchable only where mapped below
            properties: {
              tool: keyword, model: keyword, provider: keyword, tool_call_id: keyword, cost: { type: "float" },
              usage: { properties: { input_tokens: { type: "long" }, output_tokens: { type: "long" }, total_tokens: { type: "long" } } },
              error: { properties: { type: keyword, message: { type: "text" } } },
              content: { type: "text" },
            },
          },
        },
      },
    },
  };
}

export function elasticsearchSink(options: ElasticsearchSinkOptions): Sink & { readonly index: string } {
  const opts = parseOptions("elasticsearchSink", optionsSchema, options);
  if (!opts.client && !opts.node) failConfig("elasticsearchSink: node is missing. Fix: pass node (https://…:9200) or an Elasticsearch/OpenSearch client as client.");
  const index = opts.index ?? "agent-audit";
  let client = opts.client;
  let templated: Promise<unknown> | undefined;
  const where = endpointLabel(opts.node) ?? "the search cluster";

  const getClient = async (): Promise<BulkClient> => {
    if (client) return client;
    let mod: typeof import("@elastic/elasticsearch");
    try {
      mod = await import("@elastic/elasticsearch");
    } catch {
      throw new Error("elasticsearchSink needs @elastic/elasticsearch (npm install @elastic/elasticsearch@8), or pass an OpenSearch client as client");
    }
    // Node's http module (HttpConnection) rather than the default undici pool: it goes through the
    // same proxy and interception hooks as the rest of the process.
    client = new mod.Client({ node: opts.node!, auth: opts.auth as never, maxRetries: 0, Connection: mod.HttpConnection }) as unknown as BulkClient;
    return client;
  };

  return {
    name: opts.name ?? "elasticsearch",
    kind: "remote",
    index,
    endpoint: opts.node,
    defaultDelivery: { batchSize: 500 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    async send(batch: readonly AuditEvent[]): Promise<SendResult> {
      let response: { errors?: boolean; items?: Array<Record<string, { status: number; error?: { type?: string; reason?: string } }>> };
      try {
        const c = await getClient();
        templated ??= c.indices.putIndexTemplate(indexTemplate(index)).catch((err) => {
          templated = undefined;
          throw err;
        });
        await templated;
        const operations: unknown[] = [];
        for (const e of batch) operations.push({ index: { _index: `${index}-${e.ts.slice(0, 10).replace(/-/g, ".")}`, _id: e.id } }, e);
        // Elasticsearch 8 clients take `operations`, OpenSearch clients `body`.
        const raw = (await c.bulk({ operations, body: operations }, { maxRetries: 0 })) as Record<string, unknown>;
        response = (raw.body ?? raw) as typeof response;
      } catch (err) {
        const status = (err as { meta?: { statusCode?: number }; statusCode?: number }).meta?.statusCode ?? (err as { statusCode?: number }).statusCode;
        if (status) return { ok: false, retryable: status === 408 || status === 429 || status >= 500, error: `HTTP ${status} from ${where}` };
        return { ok: false, retryable: true, error: `cannot reach ${where}: ${transportCode(err)}` };
      }
      if (!response.errors) return OK;
      const items: ItemResult[] = (response.items ?? []).map((item) => {
        const r = Object.values(item)[0]!;
        if (r.status < 300) return { ok: true };
        const retryable = r.status === 429 || r.status >= 500;
        return { ok: false, retryable, error: `${r.status} ${r.error?.type ?? "error"}: ${String(r.error?.reason ?? "").slice(0, 160)}` };
      });
      const failed = items.filter((i) => !i.ok) as Array<{ ok: false; retryable: boolean; error: string }>;
      return { ok: false, retryable: failed.some((f) => f.retryable), error: failed[0]?.error ?? "bulk errors", items };
    },
  };
}
