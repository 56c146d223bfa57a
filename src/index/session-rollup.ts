/**
 * Per-segment session rollups: beside each part, `<segment>.sessions.parquet` holds one row per
 * session of that segment with everything a session row needs (first and last activity, counts,
 * tokens, cost, errors, the earliest user and input with their (ts, seq, id) keys). The viewer's
 * unfiltered list then groups these few rows instead of every event: at 10M events the rollups
 * are a tenth of the rows or less. They are derived from the part, dropped with it by erasure and
 * purge (they hold user ids and inputs), and rebuilt from the part when missing.
 */
import { renameSync, rmSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { NO_SESSION } from "../store/session-rows.js";

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
      min(${keyed("content")}) FILTER (WHERE type = 'input') AS first_input
    FROM ${source} WHERE NOT erased GROUP BY sid`;
}

/** Sessions grouped over rollups (`source` is their union): the same columns, one row per session. */
export function mergedRollupSql(source: string, where = "", having = ""): string {
  return `SELECT sid, min(first_ts) AS first_ts, max(last_ts) AS last_ts, sum(runs) AS runs, sum(model_calls) AS model_calls,
      sum(tool_calls) AS tool_calls, sum(tokens) AS tokens, sum(cost) AS cost, sum(errors) AS errors,
      min(first_user).v AS user_id, min(first_input).v AS first_input
    FROM ${source} ${where} GROUP BY sid ${having}`;
}

/** Writes `source`'s rollup to `file` (through a temporary name, so no reader sees half of it). */
export async function writeRollup(conn: DuckDBConnection, source: string, file: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await conn.run(`COPY (${rollupSql(source)}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
