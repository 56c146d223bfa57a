/** PostgreSQL as a store: the same questions as the JSONL trail, answered in SQL. */
import pg from "pg";
import type { AuditEvent } from "../events/schema.js";
import type { PgPoolLike } from "./pg-pool-like.js";
import { byDayThenUser, markSpikes, round3, round6 } from "./analytics.js";
import { COLUMNS, DEFAULT_TABLE, checkTableName } from "./postgres-schema.js";
import { hotField, type HotField } from "./postgres-hot-fields.js";
import { sessionsPage } from "./postgres-sessions.js";
import { where } from "./postgres-where.js";

export { where } from "./postgres-where.js";
import { NO_USER, type AuditStore, type DailyErrors, type EventFilter, type ModelDay, type SessionQuery, type SessionsAnswer, type SpikeRule, type ToolStat, type UserDay } from "./types.js";

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
/** The UTC day as the group key, formatted once per group rather than once per row. */
const DAY = `(ts AT TIME ZONE 'UTC')::date`;

/** A row back into the event as it was written (columns that were absent stay absent). */
export function rowToEvent(r: Record<string, unknown>): AuditEvent {
  const e: Record<string, unknown> = {};
  for (const c of COLUMNS) {
    const v = c === "ts" ? r.ts_iso : c === "log_type" ? undefined : r[c];
    if (v === null || v === undefined) continue;
    e[c === "log_type" ? "type" : c] = c === "seq" ? Number(v) : v;
  }
  e.type = r.log_type;
  return e as AuditEvent;
}

export class PostgresStore implements AuditStore {
  readonly pool: PgPoolLike;
  private readonly owned: boolean;
  readonly table: string;
  private hotColumns: Promise<boolean> | undefined;

  /**
   * `hotColumns`: whether to read the extracted columns (postgres-hot-fields.ts). By default the
   * store looks once: a table an older version migrated, read by a role that may not ALTER it,
   * is answered from the same expressions over `data` (slower, identical).
   */
  constructor(options: { connectionString?: string; pool?: PgPoolLike; table?: string; hotColumns?: boolean }) {
    this.table = checkTableName(options.table ?? DEFAULT_TABLE);
    this.owned = !options.pool;
    this.pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
    if (options.hotColumns !== undefined) this.hotColumns = Promise.resolve(options.hotColumns);
  }

  /** A function naming each hot field as this table has it. */
  private async fields(): Promise<(name: HotField) => string> {
    this.hotColumns ??= this.pool
      .query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'cost_usd' AND NOT attisdropped`, [this.table])
      .then(({ rows }) => rows[0]?.n === 1)
      .catch((err: unknown) => {
        this.hotColumns = undefined; // a failed look is not an answer: ask again next time
        throw err;
      });
    const columns = await this.hotColumns;
    return (name) => hotField(name, columns);
  }

  async *events(filter: EventFilter = {}): AsyncIterable<AuditEvent> {
    const w = where(filter);
    // Pages by (ts, seq, id): constant memory however long the answer.
    let after: { ts: string; seq: number; id: string } | undefined;
    for (;;) {
      const params = [...w.params];
      const cursor = after ? `${w.sql ? `${w.sql} AND` : "WHERE"} (ts, seq, id) > ($${params.push(after.ts)}::timestamptz, $${params.push(after.seq)}, $${params.push(after.id)}::uuid)` : w.sql;
      const { rows } = await this.pool.query(`SELECT *, to_char(ts AT TIME ZONE 'UTC', ${ISO}) AS ts_iso FROM ${this.table} ${cursor} ORDER BY ts, seq, id LIMIT 5000`, params);
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < 5000) return;
      const last = rows[rows.length - 1]!;
      after = { ts: last.ts_iso, seq: Number(last.seq), id: last.id };
    }
  }

  async toolStats(filter: EventFilter = {}): Promise<ToolStat[]> {
    const w = where({ ...filter, types: ["tool_end", "tool_error"] });
    const f = await this.fields();
    const { rows } = await this.pool.query(
      `SELECT coalesce(${f("tool")}, name, 'unknown') AS tool, count(*)::int AS calls, (count(*) FILTER (WHERE log_type = 'tool_error'))::int AS errors,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
       FROM ${this.table} ${w.sql} GROUP BY 1`,
      w.params,
    );
    return rows
      .map((r) => ({ tool: r.tool, calls: r.calls, errors: r.errors, p50_ms: r.p50 === null ? null : round3(r.p50), p95_ms: r.p95 === null ? null : round3(r.p95) }))
      .sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : 1));
  }

  async errorRate(filter: EventFilter = {}): Promise<DailyErrors[]> {
    const w = where(filter);
    const { rows } = await this.pool.query(
      `SELECT to_char(${DAY}, 'YYYY-MM-DD') AS day, count(*)::int AS events, (count(*) FILTER (WHERE level = 'error'))::int AS errors,
              (count(*) FILTER (WHERE log_type = 'output'))::int AS invocations, (count(*) FILTER (WHERE log_type = 'output' AND status = 'error'))::int AS failed
       FROM ${this.table} ${w.sql} GROUP BY ${DAY} ORDER BY ${DAY}`,
      w.params,
    );
    return rows.map((r) => ({ day: r.day, events: r.events, errors: r.errors, invocations: r.invocations, failed_invocations: r.failed, rate: r.invocations ? round6(r.failed / r.invocations) : 0 }));
  }

  async modelUsage(filter: EventFilter = {}): Promise<ModelDay[]> {
    const w = where({ ...filter, types: ["llm_end"] });
    const f = await this.fields();
    const n = (field: HotField) => `coalesce(sum(${f(field)}), 0)::float8`;
    const { rows } = await this.pool.query(
      `SELECT to_char(${DAY}, 'YYYY-MM-DD') AS day, coalesce(${f("model")}, name, 'unknown') AS model, count(*)::int AS calls,
              ${n("input_tokens")} AS input_tokens, ${n("output_tokens")} AS output_tokens, ${n("total_tokens")} AS total_tokens,
              coalesce(sum(${f("cost_usd")}::float8), 0) AS cost
       FROM ${this.table} ${w.sql} GROUP BY ${DAY}, 2`,
      w.params,
    );
    return rows
      .map((r) => ({ day: r.day, model: r.model, calls: r.calls, input_tokens: r.input_tokens, output_tokens: r.output_tokens, total_tokens: r.total_tokens, cost: round6(r.cost) }))
      .sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.model < b.model ? -1 : 1));
  }

  async userUsage(filter: EventFilter = {}): Promise<UserDay[]> {
    const w = where({ ...filter, types: ["llm_end"] });
    const f = await this.fields();
    const { rows } = await this.pool.query(
      `SELECT to_char(${DAY}, 'YYYY-MM-DD') AS day, coalesce(nullif(user_id, ''), $${w.params.push(NO_USER)}) AS user_id, count(*)::int AS calls,
              coalesce(sum(${f("total_tokens")}), 0)::float8 AS total_tokens, coalesce(sum(${f("cost_usd")}::float8), 0) AS cost
       FROM ${this.table} ${w.sql} GROUP BY ${DAY}, 2`,
      w.params,
    );
    return rows.map((r) => ({ day: r.day, user_id: r.user_id, calls: r.calls, total_tokens: r.total_tokens, cost: round6(r.cost) })).sort(byDayThenUser);
  }

  async volume(filter: EventFilter = {}, rule: Partial<SpikeRule> = {}) {
    const w = where(filter);
    const { rows } = await this.pool.query(
      `SELECT to_char(date_trunc('hour', ts AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00:00Z"') AS hour, count(*)::int AS events
       FROM ${this.table} ${w.sql} GROUP BY date_trunc('hour', ts AT TIME ZONE 'UTC') ORDER BY date_trunc('hour', ts AT TIME ZONE 'UTC')`,
      w.params,
    );
    return markSpikes(rows as Array<{ hour: string; events: number }>, rule);
  }

  async sessions(query: SessionQuery): Promise<SessionsAnswer> {
    return sessionsPage(this.pool, this.table, await this.fields(), query);
  }

  async close(): Promise<void> {
    if (this.owned) await this.pool.end();
  }
}
