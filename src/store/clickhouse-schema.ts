/**
 * The ClickHouse layout (`agent-audit migrate --store clickhouse://…`): one events table with the
 * envelope columns, the hot fields extracted at insert (tool, model, tokens, cost, error type: the
 * columns the analytics group and sum without parsing JSON), and the content as JSON strings.
 *
 * - `ReplacingMergeTree` keyed by (ts, id): a redelivered event has the same key and is folded into
 *   one row on merge; every read uses `FINAL`, so a duplicate not merged yet never counts twice.
 * - `PARTITION BY toYYYYMM(ts)`: retention drops whole months cheaply; time filters prune parts.
 * - The sort key holds no content field: erasure clears `session_id` and `user_id` with a mutation,
 *   and ClickHouse cannot UPDATE a key column. Session and user reads filter within the time order.
 *
 * The SQL keeps to what ClickHouse 18.16 (Debian's package) runs: no query parameters (values are
 * written as escaped literals, `literal()`), no DateTime64 (the exact millisecond ISO time is kept
 * as text in `ts_iso`, which also sorts), no JSON functions (hot fields are extracted in Node).
 */
import type { AuditEvent } from "../events/schema.js";
import { COLUMNS } from "./postgres-schema.js";

export const DEFAULT_CLICKHOUSE_TABLE = "agent_audit_events";
export const DEFAULT_CLICKHOUSE_DATABASE = "default";

export function checkIdentifier(kind: "table" | "database" | "cluster", name: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,40}$/.test(name)) throw new Error(`${kind} "${name}" must be an SQL identifier (letters, digits, _), up to 41 characters`);
  return name;
}

/** A value as a ClickHouse literal: strings quoted with backslash escapes (the server's own rule). */
export function literal(v: string | number | null): string {
  if (v === null) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

export const literalList = (values: readonly string[]) => `(${values.map(literal).join(", ")})`;

/** Envelope fields kept as JSON text (arrays and objects; ClickHouse cannot make an Array Nullable). */
const JSON_COLUMNS = new Set(["tags", "metadata", "data", "redactions", "truncated", "erased"]);
/** The envelope columns, as in PostgreSQL, but `ts` is `ts_iso` (exact) and `log_type` is `type`. */
const ENVELOPE = COLUMNS.filter((c) => c !== "ts" && c !== "log_type" && c !== "seq" && c !== "duration_ms");

/** Content the hot fields are derived from: erasure clears them with it. */
export const HOT_FIELDS = ["tool", "model", "input_tokens", "output_tokens", "total_tokens", "cost", "error_type"] as const;

function columnsSql(): string {
  const text = (c: string) => (c === "id" || c === "chain_id" || c === "level" || c === "schema_version" || c === "data" ? `${c} String` : `${c} Nullable(String)`);
  return [
    "id String",
    "ts DateTime('UTC')",
    "ts_iso String",
    "seq UInt64",
    "log_type String",
    "duration_ms Nullable(Float64)",
    ...ENVELOPE.filter((c) => c !== "id").map(text),
    "tool Nullable(String)",
    "model Nullable(String)",
    "input_tokens Float64",
    "output_tokens Float64",
    "total_tokens Float64",
    "cost Float64",
    "error_type Nullable(String)",
    "inserted_at DateTime('UTC') DEFAULT now()",
  ].join(",\n  ");
}

export interface SchemaTarget {
  database: string;
  table: string;
  /** A cluster name: replicated local tables on every node and a Distributed table over them. */
  cluster?: string;
}

/**
 * The DDL, one statement per entry (the HTTP interface runs one at a time). Idempotent: `IF NOT
 * EXISTS` throughout. With a cluster, `<t>_local` (ReplicatedReplacingMergeTree) on every node and
 * `<t>` a Distributed table over the shards, sharded by event id so that a redelivered event lands
 * on the shard that holds its first copy and is folded there.
 */
export function clickhouseSchema({ database, table, cluster }: SchemaTarget): string[] {
  const db = checkIdentifier("database", database);
  const t = checkIdentifier("table", table);
  const on = cluster ? ` ON CLUSTER ${checkIdentifier("cluster", cluster)}` : "";
  const engine = (kind: "ReplacingMergeTree" | "MergeTree", name: string) => (cluster ? `Replicated${kind}('/clickhouse/tables/{shard}/${db}/${name}', '{replica}')` : `${kind}()`);
  const local = cluster ? `${t}_local` : t;
  const statements = [
    `CREATE DATABASE IF NOT EXISTS ${db}${on}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${local}${on} (\n  ${columnsSql()}\n) ENGINE = ${engine("ReplacingMergeTree", local)}\nPARTITION BY toYYYYMM(ts)\nORDER BY (ts, id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.${t}_maintenance${cluster ? "_local" : ""}${on} (\n  at DateTime('UTC') DEFAULT now(),\n  actor String,\n  action String,\n  detail String\n) ENGINE = ${engine("MergeTree", `${t}_maintenance_local`)}\nORDER BY at`,
    `CREATE TABLE IF NOT EXISTS ${db}.${t}_erasures${cluster ? "_local" : ""}${on} (\n  inserted_at DateTime('UTC') DEFAULT now(),\n  chain_id String,\n  record String\n) ENGINE = ${engine("MergeTree", `${t}_erasures_local`)}\nORDER BY (chain_id, inserted_at)`,
  ];
  if (cluster) {
    const c = checkIdentifier("cluster", cluster);
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${t}${on} AS ${db}.${t}_local ENGINE = Distributed(${c}, ${db}, ${t}_local, cityHash64(id))`,
      `CREATE TABLE IF NOT EXISTS ${db}.${t}_maintenance${on} AS ${db}.${t}_maintenance_local ENGINE = Distributed(${c}, ${db}, ${t}_maintenance_local, rand())`,
      `CREATE TABLE IF NOT EXISTS ${db}.${t}_erasures${on} AS ${db}.${t}_erasures_local ENGINE = Distributed(${c}, ${db}, ${t}_erasures_local, cityHash64(chain_id))`,
    );
  }
  return statements;
}

export type ClickHouseRow = Record<string, string | number | null>;

const str = (v: unknown) => (typeof v === "string" ? v : null);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** An event as a row: the envelope as written, plus the hot fields the analytics read. */
export function eventToRow(e: AuditEvent): ClickHouseRow {
  const row: ClickHouseRow = {};
  const fields = e as unknown as Record<string, unknown>;
  for (const c of ENVELOPE) {
    const v = fields[c];
    row[c] = v === undefined ? null : JSON_COLUMNS.has(c) ? JSON.stringify(v) : String(v);
  }
  const d = e.data as Record<string, unknown>;
  const usage = (d.usage ?? {}) as Record<string, unknown>;
  const error = d.error as { type?: unknown } | undefined;
  return {
    ...row,
    ts: Math.floor(Date.parse(e.ts) / 1000),
    ts_iso: e.ts,
    seq: e.seq,
    log_type: e.type,
    duration_ms: e.duration_ms ?? null,
    tool: str(d.tool),
    model: str(d.model),
    input_tokens: num(usage.input_tokens),
    output_tokens: num(usage.output_tokens),
    total_tokens: num(usage.total_tokens),
    cost: num(d.cost),
    error_type: typeof error === "object" && error !== null ? str(error.type) : null,
  };
}

/** The columns a read selects to rebuild an event. */
export const EVENT_SELECT = ["ts_iso", "toString(seq) AS seq_text", "log_type", "duration_ms", ...ENVELOPE].join(", ");

/** A row back into the event as it was written (columns that were absent stay absent). */
export function rowToEvent(r: Record<string, unknown>): AuditEvent {
  const e: Record<string, unknown> = {};
  for (const c of COLUMNS) {
    const v = c === "ts" ? r.ts_iso : c === "seq" ? r.seq_text : r[c];
    if (v === null || v === undefined) continue;
    const key = c === "log_type" ? "type" : c;
    e[key] = c === "seq" ? Number(v) : JSON_COLUMNS.has(c) ? JSON.parse(v as string) : v;
  }
  return e as AuditEvent;
}
