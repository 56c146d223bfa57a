/**
 * ClickHouse as a store: the same questions as the JSONL trail, grouped in SQL. Every read says
 * `FINAL`, so a redelivered event not yet merged away is still one row. Percentiles are finished in
 * Node from the grouped durations (analytics.ts), so they interpolate exactly as the other stores.
 */
import type { AuditEvent } from "../events/schema.js";
import { byDayThenUser, markSpikes, quantile, round6 } from "./analytics.js";
import { ClickHouseConnection, parseClickHouseTarget } from "./clickhouse-connection.js";
import { EVENT_SELECT, literal, literalList, rowToEvent } from "./clickhouse-schema.js";
import { NO_USER, type AuditStore, type DailyErrors, type EventFilter, type EventOrder, type ModelDay, type SpikeRule, type ToolStat, type UserDay } from "./types.js";

/** WHERE clause for a filter; times compare as the ISO text the events carry (as the JSONL scan does). */
export function clickhouseWhere(f: EventFilter, extra: string[] = []): string {
  const clauses = [...extra];
  if (f.sessionId !== undefined) clauses.push(`session_id = ${literal(f.sessionId)}`);
  if (f.userId !== undefined) clauses.push(`user_id = ${literal(f.userId)}`);
  // ts (whole seconds) narrows to the partitions and key range; ts_iso decides to the millisecond.
  if (f.since) clauses.push(`ts >= toDateTime(${Math.floor(f.since.getTime() / 1000)}) AND ts_iso >= ${literal(f.since.toISOString())}`);
  if (f.until) clauses.push(`ts <= toDateTime(${Math.floor(f.until.getTime() / 1000)}) AND ts_iso < ${literal(f.until.toISOString())}`);
  if (f.types?.length) clauses.push(`log_type IN ${literalList(f.types)}`);
  if (f.levels?.length) clauses.push(`level IN ${literalList(f.levels)}`);
  return clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
}

const PAGE = 5000;

export class ClickHouseStore implements AuditStore {
  readonly conn: ClickHouseConnection;
  readonly table: string;

  constructor(target: string, options: { table?: string } = {}) {
    this.conn = new ClickHouseConnection(parseClickHouseTarget(target, options.table));
    this.table = this.conn.target.table;
  }

  private get from() {
    return `${this.conn.target.database}.${this.table} FINAL`;
  }

  // Always in time order: the server sorts, so `ordered: false` costs nothing to honour this way.
  async *events(filter: EventFilter = {}, _options: EventOrder = {}): AsyncIterable<AuditEvent> {
    // Pages by (ts_iso, seq, id), written out: 18.16 compares no tuples. Constant memory.
    let after: { ts: string; seq: string; id: string } | undefined;
    for (;;) {
      const cursor = after ? [`(ts_iso > ${literal(after.ts)} OR (ts_iso = ${literal(after.ts)} AND (seq > ${after.seq} OR (seq = ${after.seq} AND id > ${literal(after.id)}))))`] : [];
      const rows = await this.conn.rows(`SELECT ${EVENT_SELECT} FROM ${this.from} ${clickhouseWhere(filter, cursor)} ORDER BY ts_iso, seq, id LIMIT ${PAGE}`);
      for (const r of rows) yield rowToEvent(r);
      if (rows.length < PAGE) return;
      const last = rows[rows.length - 1] as { ts_iso: string; seq_text: string; id: string };
      after = { ts: last.ts_iso, seq: String(BigInt(last.seq_text)), id: last.id };
    }
  }

  async toolStats(filter: EventFilter = {}): Promise<ToolStat[]> {
    const rows = await this.conn.rows<{ tool_name: string; calls: string; errors: string; durations: number[] }>(
      `SELECT ifNull(tool, ifNull(name, 'unknown')) AS tool_name, count() AS calls, countIf(log_type = 'tool_error') AS errors,
              groupArrayIf(assumeNotNull(duration_ms), isNotNull(duration_ms)) AS durations
       FROM ${this.from} ${clickhouseWhere({ ...filter, types: ["tool_end", "tool_error"] })} GROUP BY tool_name`,
    );
    return rows
      .map((r) => {
        const d = [...r.durations].sort((a, b) => a - b);
        return { tool: r.tool_name, calls: Number(r.calls), errors: Number(r.errors), p50_ms: quantile(d, 0.5), p95_ms: quantile(d, 0.95) };
      })
      .sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : 1));
  }

  async errorRate(filter: EventFilter = {}): Promise<DailyErrors[]> {
    const rows = await this.conn.rows<Record<string, string>>(
      `SELECT substring(ts_iso, 1, 10) AS day, count() AS event_count, countIf(level = 'error') AS errors,
              countIf(log_type = 'output') AS invocations, countIf(log_type = 'output' AND status = 'error') AS failed
       FROM ${this.from} ${clickhouseWhere(filter)} GROUP BY day ORDER BY day`,
    );
    return rows.map((r) => {
      const invocations = Number(r.invocations);
      const failed = Number(r.failed);
      return { day: r.day!, events: Number(r.event_count), errors: Number(r.errors), invocations, failed_invocations: failed, rate: invocations ? round6(failed / invocations) : 0 };
    });
  }

  async modelUsage(filter: EventFilter = {}): Promise<ModelDay[]> {
    const rows = await this.conn.rows<Record<string, string | number>>(
      `SELECT substring(ts_iso, 1, 10) AS day, ifNull(model, ifNull(name, 'unknown')) AS model_name, count() AS calls,
              sum(input_tokens) AS input_sum, sum(output_tokens) AS output_sum, sum(total_tokens) AS total_sum, sum(cost) AS cost_sum
       FROM ${this.from} ${clickhouseWhere({ ...filter, types: ["llm_end"] })} GROUP BY day, model_name`,
    );
    return rows
      .map((r) => ({ day: String(r.day), model: String(r.model_name), calls: Number(r.calls), input_tokens: Number(r.input_sum), output_tokens: Number(r.output_sum), total_tokens: Number(r.total_sum), cost: round6(Number(r.cost_sum)) }))
      .sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.model < b.model ? -1 : 1));
  }

  async userUsage(filter: EventFilter = {}): Promise<UserDay[]> {
    const rows = await this.conn.rows<Record<string, string | number>>(
      `SELECT substring(ts_iso, 1, 10) AS day, if(ifNull(user_id, '') = '', ${literal(NO_USER)}, ifNull(user_id, '')) AS user_key, count() AS calls,
              sum(total_tokens) AS total_sum, sum(cost) AS cost_sum
       FROM ${this.from} ${clickhouseWhere({ ...filter, types: ["llm_end"] })} GROUP BY day, user_key`,
    );
    return rows.map((r) => ({ day: String(r.day), user_id: String(r.user_key), calls: Number(r.calls), total_tokens: Number(r.total_sum), cost: round6(Number(r.cost_sum)) })).sort(byDayThenUser);
  }

  async volume(filter: EventFilter = {}, rule: Partial<SpikeRule> = {}) {
    const rows = await this.conn.rows<{ hour: string; event_count: string }>(
      `SELECT concat(substring(ts_iso, 1, 13), ':00:00Z') AS hour, count() AS event_count FROM ${this.from} ${clickhouseWhere(filter)} GROUP BY hour ORDER BY hour`,
    );
    return markSpikes(rows.map((r) => ({ hour: r.hour, events: Number(r.event_count) })), rule);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
