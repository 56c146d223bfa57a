/** The JSONL trail as a store: every question is one streaming scan of the segment files. */
import type { AuditEvent } from "../events/schema.js";
import { readTrail, byTime, type ReadOptions } from "./jsonl.js";
import { byDayThenUser, dayOf, hourOf, markSpikes, quantile, round6 } from "./analytics.js";
import { NO_USER, type AuditStore, type DailyErrors, type EventFilter, type EventOrder, type ModelDay, type SpikeRule, type ToolStat, type UserDay } from "./types.js";

export function matches(e: AuditEvent, f: EventFilter): boolean {
  if (f.sessionId !== undefined && e.session_id !== f.sessionId) return false;
  if (f.userId !== undefined && e.user_id !== f.userId) return false;
  if (f.since && e.ts < f.since.toISOString()) return false;
  if (f.until && e.ts >= f.until.toISOString()) return false;
  if (f.types?.length && !f.types.includes(e.type)) return false;
  if (f.levels?.length && !f.levels.includes(e.level)) return false;
  return true;
}

export class JsonlStore implements AuditStore {
  constructor(
    readonly dir: string,
    private readonly options: ReadOptions & { onProgress?: (events: number) => void } = {},
  ) {}

  private async *scan(filter: EventFilter = {}): AsyncGenerator<AuditEvent> {
    let n = 0;
    for await (const e of readTrail(this.dir, this.options)) {
      if (++n % 100_000 === 0) this.options.onProgress?.(n);
      if (matches(e, filter)) yield e;
    }
  }

  async *events(filter: EventFilter = {}, options: EventOrder = {}): AsyncIterable<AuditEvent> {
    if (options.ordered === false) return yield* this.scan(filter);
    // Segments are per writer and per day: order across them needs a sort (by time, then seq).
    const all: AuditEvent[] = [];
    for await (const e of this.scan(filter)) all.push(e);
    yield* all.sort(byTime);
  }

  async toolStats(filter: EventFilter = {}): Promise<ToolStat[]> {
    const tools = new Map<string, { calls: number; errors: number; durations: number[] }>();
    for await (const e of this.scan({ ...filter, types: ["tool_end", "tool_error"] })) {
      const name = (e.data as { tool?: string }).tool ?? e.name ?? "unknown";
      const t = tools.get(name) ?? { calls: 0, errors: 0, durations: [] };
      t.calls++;
      if (e.type === "tool_error") t.errors++;
      if (e.duration_ms !== undefined) t.durations.push(e.duration_ms);
      tools.set(name, t);
    }
    return [...tools]
      .map(([tool, t]) => {
        const d = t.durations.sort((a, b) => a - b);
        return { tool, calls: t.calls, errors: t.errors, p50_ms: quantile(d, 0.5), p95_ms: quantile(d, 0.95) };
      })
      .sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : 1));
  }

  async errorRate(filter: EventFilter = {}): Promise<DailyErrors[]> {
    const days = new Map<string, DailyErrors>();
    for await (const e of this.scan(filter)) {
      const day = dayOf(e.ts);
      const d = days.get(day) ?? { day, events: 0, errors: 0, invocations: 0, failed_invocations: 0, rate: 0 };
      d.events++;
      if (e.level === "error") d.errors++;
      if (e.type === "output") {
        d.invocations++;
        if (e.status === "error") d.failed_invocations++;
      }
      days.set(day, d);
    }
    return [...days.values()].map((d) => ({ ...d, rate: d.invocations ? round6(d.failed_invocations / d.invocations) : 0 })).sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async modelUsage(filter: EventFilter = {}): Promise<ModelDay[]> {
    const rows = new Map<string, ModelDay>();
    for await (const e of this.scan({ ...filter, types: ["llm_end"] })) {
      const d = e.data as { model?: string; usage?: { input_tokens?: number; output_tokens?: number; total_tokens?: number }; cost?: number };
      const model = d.model ?? e.name ?? "unknown";
      const key = `${dayOf(e.ts)}\u0000${model}`;
      const r = rows.get(key) ?? { day: dayOf(e.ts), model, calls: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost: 0 };
      r.calls++;
      r.input_tokens += d.usage?.input_tokens ?? 0;
      r.output_tokens += d.usage?.output_tokens ?? 0;
      r.total_tokens += d.usage?.total_tokens ?? 0;
      r.cost += d.cost ?? 0;
      rows.set(key, r);
    }
    return [...rows.values()].map((r) => ({ ...r, cost: round6(r.cost) })).sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.model < b.model ? -1 : 1));
  }

  async userUsage(filter: EventFilter = {}): Promise<UserDay[]> {
    const rows = new Map<string, UserDay>();
    for await (const e of this.scan({ ...filter, types: ["llm_end"] })) {
      const d = e.data as { usage?: { total_tokens?: unknown }; cost?: unknown };
      const user = e.user_id || NO_USER;
      const key = `${dayOf(e.ts)}\u0000${user}`;
      const r = rows.get(key) ?? { day: dayOf(e.ts), user_id: user, calls: 0, total_tokens: 0, cost: 0 };
      r.calls++;
      r.total_tokens += typeof d.usage?.total_tokens === "number" ? d.usage.total_tokens : 0;
      r.cost += typeof d.cost === "number" ? d.cost : 0;
      rows.set(key, r);
    }
    return [...rows.values()].map((r) => ({ ...r, cost: round6(r.cost) })).sort(byDayThenUser);
  }

  async volume(filter: EventFilter = {}, rule: Partial<SpikeRule> = {}) {
    const hours = new Map<string, number>();
    for await (const e of this.scan(filter)) hours.set(hourOf(e.ts), (hours.get(hourOf(e.ts)) ?? 0) + 1);
    return markSpikes([...hours].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([hour, events]) => ({ hour, events })), rule);
  }

  async close(): Promise<void> {}
}
