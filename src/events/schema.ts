/**
 * The audit event envelope: one shape for every record, whatever produced it.
 *
 * The zod schema is the source of truth: the TypeScript types are inferred from it and the shipped
 * JSON Schema (`schema/audit-event.schema.json`) is generated from it. Field names are snake_case on
 * the wire, like Langfuse, LangSmith and OpenTelemetry payloads.
 */
import * as z from "zod";

export const SCHEMA_VERSION = "1" as const;

export const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export const levelSchema = z.enum(LEVELS);
export type Level = z.infer<typeof levelSchema>;

export const EVENT_TYPES = [
  "input",
  "output",
  "reasoning",
  "llm_start",
  "llm_end",
  "llm_error",
  "tool_start",
  "tool_end",
  "tool_error",
  "chain_start",
  "chain_end",
  "chain_error",
  "retriever_start",
  "retriever_end",
  "retriever_error",
  "policy",
  "custom",
] as const;
export const eventTypeSchema = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof eventTypeSchema>;

/** How a run ended; present on `*_end` and `*_error` events (and on `output`). */
export const STATUSES = ["ok", "error", "interrupted"] as const;
export const statusSchema = z.enum(STATUSES);
export type Status = z.infer<typeof statusSchema>;

/** What redaction removed from an event: where, what kind, how many. Never the value itself. */
export const redactionSchema = z.object({
  path: z.string(),
  entity: z.string(),
  count: z.number().int().positive(),
});
export type Redaction = z.infer<typeof redactionSchema>;

// UUIDs are checked by shape only (any version): LangChain run ids are v4 or v7, ours are v7.
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const isoTimestamp = z.iso.datetime({ offset: false, precision: 3 });

export const auditEventSchema = z
  .object({
    schema_version: z.literal(SCHEMA_VERSION),
    id: uuid.describe("UUIDv7 of this event; the idempotency key at every sink"),
    ts: isoTimestamp.describe("ISO-8601 UTC with milliseconds"),
    seq: z.number().int().nonnegative().describe("per-chain monotonic sequence number"),
    level: levelSchema,
    type: eventTypeSchema,
    session_id: z.string().optional(),
    user_id: z.string().optional(),
    trace_id: z.string().optional().describe("run id of the root run of this invocation"),
    run_id: z.string().optional(),
    parent_run_id: z.string().optional().describe("nearest recorded ancestor run"),
    name: z.string().optional().describe("chain, model, tool or retriever name"),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    data: z.record(z.string(), z.unknown()).describe("type-specific payload"),
    duration_ms: z.number().nonnegative().optional(),
    status: statusSchema.optional(),
    redactions: z.array(redactionSchema).optional(),
    truncated: z.array(z.string()).optional().describe("paths of the values cut to fit the trail's limits (each cut value says how much it lost)"),
    enc: z.string().optional().describe("encryption at rest: the content fields, AES-256-GCM"),
    erased: z
      .object({ at: isoTimestamp, by: z.string(), reason: z.string().optional() })
      .strict()
      .optional()
      .describe("right to erasure: the content fields were removed; the chain still verifies by content_hash"),
    chain_id: uuid.describe("the writer's integrity chain"),
    salt: z.string().regex(/^[0-9a-f]{32}$/).optional().describe("random per event; content_hash commits to salt + content"),
    content_hash: sha256Hex.optional().describe("SHA-256 of salt and the canonical content fields"),
    prev_hash: sha256Hex.optional(),
    hash: sha256Hex.optional().describe("SHA-256 of prev_hash and the canonical envelope (content by content_hash)"),
  })
  .strict();

export type AuditEvent = z.infer<typeof auditEventSchema>;

/**
 * What a caller hands to `trail.record()`: the envelope fields the pipeline fills in (id, ts, seq,
 * chain and hashes) are not accepted, everything else is optional except `type`.
 */
export const manualEventSchema = z
  .object({
    type: eventTypeSchema,
    level: levelSchema.optional(),
    session_id: z.string().optional(),
    user_id: z.string().optional(),
    trace_id: z.string().optional(),
    run_id: z.string().optional(),
    parent_run_id: z.string().optional(),
    name: z.string().optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    duration_ms: z.number().nonnegative().optional(),
    status: statusSchema.optional(),
  })
  .strict();
export type ManualEvent = z.input<typeof manualEventSchema>;

/** An event before sealing: everything except the fields the trail assigns when it seals. */
export type UnsealedEvent = Omit<AuditEvent, "schema_version" | "id" | "ts" | "seq" | "chain_id" | "prev_hash" | "hash" | "salt" | "content_hash" | "enc" | "erased"> & {
  /** Milliseconds since the epoch; becomes `ts`. Defaults to the time of sealing. */
  time?: number;
};
