// The public surface of agent-audit-trail. Nothing is implemented here.
export {
  auditEventSchema,
  manualEventSchema,
  levelSchema,
  eventTypeSchema,
  statusSchema,
  LEVELS,
  EVENT_TYPES,
  STATUSES,
  SCHEMA_VERSION,
  type AuditEvent,
  type ManualEvent,
  type Level,
  type EventType,
  type Status,
  type Redaction,
} from "./events/schema.js";
export { uuidv7, uuidv7Time } from "./events/ids.js";
export { auditEventJsonSchema } from "./events/json-schema.js";
export { AuditCallbackHandler, type AuditHandlerOptions } from "./capture/handler.js";
export { toJson, type Json } from "./capture/serialize.js";
export { DEFAULT_LIMITS, type SerializeLimits } from "./limits/capture-limits.js";
export type { TokenUsage } from "./events/usage.js";
export { AuditTrail, createAuditTrail } from "./capture/audit-trail.js";
export { DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_BUFFERED_BYTES, type TrailStats, type SinkStats } from "./pipeline/trail.js";
export { boundEvent, type EventLimits } from "./limits/bound-event.js";
export { GAP_RECORD, RECOVERY_RECORD, type GapData, type RecoveryData } from "./integrity/records.js";
export { AuditConfigError } from "./shared/config.js";
export type { AuditTrailOptions, TrailContext } from "./pipeline/options.js";
export { getDefaultTrail } from "./capture/default-trail.js";
export type { Sink, SendResult } from "./sinks/types.js";
export { jsonlSink, type JsonlSink, type JsonlSinkOptions } from "./sinks/jsonl.js";
export { memorySink, type MemorySink } from "./sinks/memory.js";
export { consoleSink, formatEventLine, type ConsoleSinkOptions } from "./sinks/console.js";
export {
  createRedactor,
  decryptRedacted,
  OPERATORS,
  BUILTIN_ENTITIES,
  DEFAULT_SENSITIVE_KEYS,
  type Redactor,
  type RedactResult,
  type RedactionOptions,
  type CustomDetector,
  type Operator,
} from "./redact/index.js";
export { webhookSink, type WebhookSinkOptions } from "./sinks/webhook.js";
export {
  verifyWebhook,
  verifyWebhookAsync,
  createReplayGuard,
  forgetWebhookId,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
  type VerifyWebhookInput,
  type VerifyWebhookAsyncInput,
  type ReplayGuard,
  type ReplayGuardOptions,
} from "./sinks/standard-webhooks.js";
export type { SendContext, DeliveryOptions, ItemResult } from "./sinks/types.js";
export type { FlushResult, ShutdownResult } from "./pipeline/trail.js";
export { langfuseSink, type LangfuseSinkOptions } from "./sinks/langfuse.js";
export { langsmithSink, type LangsmithSinkOptions } from "./sinks/langsmith.js";
export { otlpSink, type OtlpSinkOptions } from "./sinks/otlp.js";
export { auditMiddleware, type AuditMiddlewareOptions } from "./capture/middleware.js";
export { evaluatePolicy, POLICY_ACTIONS, type PolicyRule, type PolicyAction, type PolicyVerdict } from "./capture/policy.js";
export { renderTimeline, type TimelineOptions } from "./cli/timeline.js";
export { postgresSink, type PostgresSinkOptions } from "./sinks/postgres.js";
export { clickhouseSink, type ClickHouseSinkOptions } from "./sinks/clickhouse.js";
export { ClickHouseStore } from "./store/clickhouse-store.js";
export { clickhouseSchema } from "./store/clickhouse-schema.js";
export { JsonlStore } from "./store/jsonl-store.js";
export { IndexedStore, type IndexOptions } from "./index/indexed-store.js";
export { PostgresStore } from "./store/postgres-store.js";
export { openStore } from "./store/open.js";
export { migrate as migratePostgres } from "./store/postgres-schema.js";
export type { PgPoolLike, PgPoolClientLike, PgQueryable, PgQueryResultLike } from "./store/pg-pool-like.js";
export { erasePostgres, type ErasureTarget, type PostgresErasureOptions, type PostgresErasureResult } from "./store/postgres-erase.js";
export { verifyPostgres, type PostgresVerifyOptions } from "./store/postgres-verify.js";
export type { AuditStore, EventFilter, ToolStat, DailyErrors, ModelDay, HourVolume, SpikeRule } from "./store/types.js";
export { DEFAULT_PRICES, priceFor, costOf, type ModelPrice } from "./pricing/prices.js";
export { verifyTrail, type VerifyReport, type VerifyProblem, type VerifyWarning, type DeclaredGap, type Recovery } from "./integrity/verify.js";
export { decryptEvent } from "./integrity/encryption.js";
export { prove, ProveError, type ProveOptions } from "./evidence/prove.js";
export { verifyBundle, type BundleReport, type BundleFailure, type BundleFailureKind, type VerifyBundleOptions } from "./evidence/verify-bundle.js";
export { BUNDLE_FORMAT, type EvidenceBundle } from "./evidence/bundle.js";
export type { Selection as EvidenceSelection } from "./evidence/select.js";
export type { ErasureReport } from "./pipeline/trail.js";
export { s3Sink, type S3SinkOptions } from "./sinks/s3.js";
export { elasticsearchSink, type ElasticsearchSinkOptions } from "./sinks/elasticsearch.js";
export { downloadArchive } from "./store/s3-archive.js";
export type { S3ClientLike } from "./shared/s3-client-like.js";
export { serve, type ServeOptions } from "./serve/server.js";
export { createWitnessServer, listen as listenWitness, type WitnessServer, type WitnessServerOptions } from "./witness/server.js";
export { addCheckpoint as addWitnessCheckpoint, type AddCheckpointResult, type AddCheckpointOptions } from "./witness/client.js";
export { cosign, verifyCosignature, witnessVerifierKey, parseWitnessVerifierKey, type WitnessKey, type WitnessIdentity, type CosignatureCheck } from "./witness/cosignature.js";
