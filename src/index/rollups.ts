/**
 * Per-segment rollups, beside each part, for the questions asked of the whole trail (no filter):
 *
 * - `sessions`: one row per session with everything a session row needs (first and last activity,
 *   counts, tokens, cost, errors, the earliest user and input with their (ts, seq, id) keys);
 * - `facts`: event counts and token and cost sums per hour, type, level, status and tool or model;
 * - `durations`: how many tool calls took each duration, per tool, so percentiles stay exact;
 * - `users`: model calls, tokens and cost per day and user.
 *
 * Every figure in them adds up across segments, so a query sums a few thousand rows instead of
 * reading ten million events; a filtered question reads the events. They are derived from the
 * part, dropped with it by erasure and purge (`sessions` holds user ids and inputs), and made
 * from the part again when missing.
 */
import { renameSync, rmSync } from "node:fs";
import { rollupFile, type RollupKind } from "../format/index-files.js";
import type { DuckDBConnection } from "@duckdb/node-api";
import { NO_SESSION } from "../store/session-rows.js";
import { NO_USER } from "../store/types.js";

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Ties broken by time, then seq, then id: `earlier` of store/session-rows.ts. */
export const EVENT_KEY = "ts, seq, id";
export const SESSION_ID = `coalesce(session_id, ${lit(NO_SESSION)})`;
/** `countsAsError` of store/session-rows.ts: `propagated` is the JavaScript truthiness of data.propagated. */
export const IS_ERROR = "(level = 'error' AND type <> 'output' AND NOT propagated)";

/**
 * A value with its event's key in front: structs compare field by field, so the least of these is
 * the value of the earliest event, and rollups of different segments combine with min() again.
 */
const keyed = (column: string) => `{'ts': ts, 'seq': seq, 'id': id, 'v': ${column}}`;

/** One row per session of `source` (a table, or read_parquet of a part), erased events left out. */
export function rollupSql(source: string): string {
  return `SELECT ${SESSION_ID} AS sid, min(ts) AS first_ts, max(ts) AS last_ts,
      count(*) FILTER (WHERE type = 'input') AS runs,
      count(*) FILTER (WHERE type = 'llm_end') AS model_calls,
      count(*) FILTER (WHERE type IN ('tool_end', 'tool_error')) AS tool_calls,
      coalesce(sum(total_tokens) FILTER (WHERE type = 'llm_end'), 0) AS tokens,
      coalesce(sum(cost) FILTER (WHERE type = 'llm_end'), 0) AS cost,
      count(*) FILTER (WHERE ${IS_ERROR}) AS errors,
      min(${keyed("user_id")}) FILTER (WHERE user_id <> '') AS first_user,
      min(${keyed("content")}) FILTER (WHERE type = 'input') AS first_input,
      -- For the CLI's list (store/jsonl.ts listSessions): its counts come from output events, and
      -- its order and user from storage order (segment, then line).
      seg, min(line_no) AS first_line,
      min({'line': line_no, 'v': user_id}) FILTER (WHERE user_id <> '') AS first_stored_user,
      count(*) AS events,
      count(*) FILTER (WHERE type = 'output') AS invocations,
      coalesce(sum(llm_calls) FILTER (WHERE type = 'output'), 0) AS out_llm_calls,
      coalesce(sum(tool_calls) FILTER (WHERE type = 'output'), 0) AS out_tool_calls,
      coalesce(sum(errors) FILTER (WHERE type = 'output'), 0) AS out_errors,
      coalesce(sum(total_tokens) FILTER (WHERE type = 'output'), 0) AS out_tokens
    FROM ${source} WHERE NOT erased GROUP BY sid, seg`;
}

/**
 * The CLI's session summaries over rollups (`source`), joined with `segs` (segment name to its
 * rank): in order of first appearance in storage, the first user met in storage order.
 */
export function cliSessionsSql(source: string): string {
  return `SELECT sid,
      min(CASE WHEN first_stored_user IS NOT NULL THEN {'segno': segno, 'line': first_stored_user.line, 'v': first_stored_user.v} END).v,
      min(first_ts), max(last_ts), sum(events), sum(invocations), sum(out_llm_calls), sum(out_tool_calls), sum(out_errors), sum(out_tokens)
    FROM ${source} JOIN segs USING (seg) GROUP BY sid ORDER BY min(segno * 4294967296 + first_line)`;
}

/** Sessions grouped over rollups (`source` is their union): the same columns, one row per session. */
export function mergedRollupSql(source: string, where = "", having = ""): string {
  return `SELECT sid, min(first_ts) AS first_ts, max(last_ts) AS last_ts, sum(runs) AS runs, sum(model_calls) AS model_calls,
      sum(tool_calls) AS tool_calls, sum(tokens) AS tokens, sum(cost) AS cost, sum(errors) AS errors,
      min(first_user).v AS user_id, min(first_input).v AS first_input
    FROM ${source} ${where} GROUP BY sid ${having}`;
}

/** The tool (tool calls) or model (model calls) an event counts under, as the scan names them. */
const SUBJECT = `CASE WHEN type IN ('tool_end', 'tool_error') THEN coalesce(tool, name, 'unknown') WHEN type = 'llm_end' THEN coalesce(model, name, 'unknown') END`;

/** Additive counts of `source`, erased events included (the scan's stats count tombstones too). */
export function factsSql(source: string): string {
  return `SELECT substr(ts, 1, 13) AS hour, type, level, status, ${SUBJECT} AS subject, count(*) AS n,
      coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
      coalesce(sum(total_tokens), 0) AS total_tokens, coalesce(sum(cost), 0) AS cost
    FROM ${source} GROUP BY ALL`;
}

/** Tool calls per tool and duration (calls without a duration are counted in `facts` only). */
export function durationsSql(source: string): string {
  return `SELECT ${SUBJECT} AS tool, duration_ms, count(*) AS n FROM ${source}
    WHERE type IN ('tool_end', 'tool_error') AND duration_ms IS NOT NULL GROUP BY ALL`;
}

/** The user a model call counts under in `userUsage` (store/types.ts NO_USER where none is set). */
export const USER_KEY = `coalesce(nullif(user_id, ''), ${lit(NO_USER)})`;

/** Model calls per day and user: erased calls included, as the scan counts them. */
export function usersSql(source: string): string {
  return `SELECT substr(ts, 1, 10) AS day, ${USER_KEY} AS user_key, count(*) AS n,
      coalesce(sum(total_tokens), 0) AS total_tokens, coalesce(sum(cost), 0) AS cost
    FROM ${source} WHERE type = 'llm_end' GROUP BY ALL`;
}

export const ROLLUPS: ReadonlyArray<{ kind: RollupKind; view: string; sql: (source: string) => string }> = [
  { kind: "sessions", view: "sess", sql: rollupSql },
  { kind: "facts", view: "facts", sql: factsSql },
  { kind: "durations", view: "durs", sql: durationsSql },
  { kind: "users", view: "users", sql: usersSql },
];

/** Writes every rollup of `source` beside the part of `segment` (each through a temporary name). */
export async function writeRollups(conn: DuckDBConnection, source: string, dir: string, segment: string, only?: ReadonlySet<RollupKind>): Promise<void> {
  for (const r of ROLLUPS) {
    if (only && !only.has(r.kind)) continue;
    const file = rollupFile(dir, segment, r.kind);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await conn.run(`COPY (${r.sql(source)}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}

/**
 * The p-quantile of the durations counted in `histogram` (value, count; ascending), interpolated
 * exactly as `quantile` in store/analytics.ts does over the sorted list itself.
 */
export function quantileOfCounts(histogram: ReadonlyArray<readonly [number, number]>, q: number): number | null {
  const total = histogram.reduce((n, [, c]) => n + c, 0);
  if (!total) return null;
  const pos = (total - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, total - 1);
  const at = (k: number) => {
    let seen = 0;
    for (const [v, c] of histogram) if ((seen += c) > k) return v;
    return histogram[histogram.length - 1]![0];
  };
  const a = at(lo);
  return Math.round((a + (at(hi) - a) * (pos - lo)) * 1000) / 1000;
}
