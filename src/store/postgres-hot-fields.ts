/**
 * The fields every summary reads, out of `data` into columns of their own: STORED generated
 * columns, so PostgreSQL fills them for every writer (older versions of this package, plain SQL
 * inserts) and recomputes them when an erasure rewrites `data` (a tombstone's are NULL). Stats and
 * session lists then GROUP BY plain columns instead of taking `data` apart row by row.
 *
 * Each expression yields NULL rather than failing on a value of the wrong JSON type, since a row
 * that cannot compute its generated columns cannot be inserted at all. The same expressions serve
 * as the fallback on a table that `migrate` has not extended yet, so both give the same answers.
 */
const number = (path: string) => `CASE WHEN jsonb_typeof(${path}) = 'number' THEN (${path} #>> '{}')::numeric END`;

export const HOT_FIELDS = {
  tool: { type: "text", expr: "data->>'tool'" },
  model: { type: "text", expr: "data->>'model'" },
  input_tokens: { type: "numeric", expr: number("data->'usage'->'input_tokens'") },
  output_tokens: { type: "numeric", expr: number("data->'usage'->'output_tokens'") },
  total_tokens: { type: "numeric", expr: number("data->'usage'->'total_tokens'") },
  cost_usd: { type: "numeric", expr: number("data->'cost'") },
  error_type: { type: "text", expr: "CASE WHEN jsonb_typeof(data->'error'->'type') = 'string' THEN data->'error'->>'type' END" },
} as const;

export type HotField = keyof typeof HOT_FIELDS;

/**
 * Adds the columns to an existing table and their indexes. One ALTER TABLE, so a table made before
 * them is rewritten once (under an exclusive lock: minutes for tens of millions of rows), not once
 * per column; on a table that has them it changes nothing.
 */
export function hotFieldsSql(t: string): string {
  const columns = Object.entries(HOT_FIELDS).map(([name, f]) => `ADD COLUMN IF NOT EXISTS ${name} ${f.type} GENERATED ALWAYS AS (${f.expr}) STORED`);
  return `
ALTER TABLE ${t} ${columns.join(", ")};
-- Tool stats and model usage read one or two event types over a time range, without the heap.
CREATE INDEX IF NOT EXISTS ${t}_tool_stats_idx ON ${t} (log_type, ts) INCLUDE (tool, name, duration_ms) WHERE log_type IN ('tool_end', 'tool_error');
CREATE INDEX IF NOT EXISTS ${t}_model_usage_idx ON ${t} (log_type, ts) INCLUDE (model, name, input_tokens, output_tokens, total_tokens, cost_usd) WHERE log_type = 'llm_end';
-- The session list's first step: each live session's last activity, from the index alone.
CREATE INDEX IF NOT EXISTS ${t}_live_session_idx ON ${t} (session_id, ts) WHERE erased IS NULL;
-- The error rate reads every event's time, level, type and status: from this index, not the wide rows.
CREATE INDEX IF NOT EXISTS ${t}_outcome_idx ON ${t} (ts) INCLUDE (level, log_type, status);
-- How many days, hours and models there are: without these the planner guesses a group per row
-- for the day and hour expressions and sorts a million rows instead of hashing thirty groups.
CREATE STATISTICS IF NOT EXISTS ${t}_day_stats ON ((ts AT TIME ZONE 'UTC')::date) FROM ${t};
CREATE STATISTICS IF NOT EXISTS ${t}_hour_stats ON (date_trunc('hour', ts AT TIME ZONE 'UTC')) FROM ${t};
CREATE STATISTICS IF NOT EXISTS ${t}_model_day_stats (ndistinct) ON ((ts AT TIME ZONE 'UTC')::date), (coalesce(model, name, 'unknown')) FROM ${t};
CREATE STATISTICS IF NOT EXISTS ${t}_tool_stats ON (coalesce(tool, name, 'unknown')) FROM ${t};
`;
}

/** A hot field as SQL: its column, or (on a table without it) the expression it is generated from. */
export function hotField(name: HotField, columns: boolean): string {
  return columns ? name : `(${HOT_FIELDS[name].expr})`;
}
