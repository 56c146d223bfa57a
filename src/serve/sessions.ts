/** Session summaries for the viewer, computed from any store (JSONL or PostgreSQL) the same way. */
import type { AuditEvent } from "../events/schema.js";
import type { AuditStore, EventFilter } from "../store/types.js";

export interface SessionRow {
  session_id: string;
  user_id?: string;
  start: string;
  end: string;
  duration_ms: number;
  runs: number;
  model_calls: number;
  tool_calls: number;
  tokens: number;
  cost: number;
  errors: number;
  /** A little text to search in: the first user input. */
  preview?: string;
}

export async function sessionRows(store: AuditStore, filter: EventFilter & { errorsOnly?: boolean; text?: string } = {}): Promise<SessionRow[]> {
  const rows = new Map<string, SessionRow & { text: string }>();
  for await (const e of store.events({ userId: filter.userId, since: filter.since, until: filter.until })) {
    // An erased event is a tombstone that belongs to nobody: it keeps the chain, not a session.
    if (e.erased) continue;
    const id = e.session_id ?? "(no session)";
    let r = rows.get(id);
    if (!r) {
      r = { session_id: id, start: e.ts, end: e.ts, duration_ms: 0, runs: 0, model_calls: 0, tool_calls: 0, tokens: 0, cost: 0, errors: 0, text: "" };
      rows.set(id, r);
    }
    if (e.user_id && !r.user_id) r.user_id = e.user_id;
    if (e.ts < r.start) r.start = e.ts;
    if (e.ts > r.end) r.end = e.ts;
    tally(r, e);
  }
  const text = filter.text?.toLowerCase();
  return [...rows.values()]
    .map(({ text: t, ...r }) => ({ ...r, duration_ms: Date.parse(r.end) - Date.parse(r.start), cost: Math.round(r.cost * 1e6) / 1e6, _t: t }))
    .filter((r) => (!filter.errorsOnly || r.errors > 0) && (!text || `${r.session_id} ${r.user_id ?? ""} ${r._t}`.toLowerCase().includes(text)))
    .map(({ _t, ...r }) => r)
    .sort((a, b) => (a.end < b.end ? 1 : -1));
}

function tally(r: SessionRow & { text: string }, e: AuditEvent): void {
  const d = e.data as Record<string, unknown>;
  if (e.type === "input") {
    r.runs++;
    const content = typeof d.content === "string" ? d.content : JSON.stringify(d.content ?? "");
    r.preview ??= content.slice(0, 120);
    r.text += ` ${content}`;
  }
  if (e.type === "llm_end") {
    r.model_calls++;
    r.tokens += ((d.usage as { total_tokens?: number } | undefined)?.total_tokens ?? 0);
    r.cost += typeof d.cost === "number" ? d.cost : 0;
  }
  if (e.type === "tool_end" || e.type === "tool_error") r.tool_calls++;
  if (e.level === "error" && e.type !== "output" && !(d as { propagated?: boolean }).propagated) r.errors++;
}
