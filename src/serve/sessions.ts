/**
 * Session summaries and one session's events for the viewer, computed from any store (JSONL or
 * PostgreSQL) the same way, one page at a time: no answer carries a whole trail.
 */
import type { AuditEvent } from "../events/schema.js";
import type { AuditStore, EventFilter, SessionRow, SessionSummaries } from "../store/types.js";
import { eventsCursor, sessionsCursor, type EventsPosition, type SessionsPosition } from "./cursor.js";

export type { SessionRow };

export async function sessionRows(store: AuditStore, filter: EventFilter & { errorsOnly?: boolean; text?: string } = {}): Promise<SessionRow[]> {
  const text = filter.text?.toLowerCase();
  const summaries = (store as Partial<SessionSummaries>).sessionSummaries;
  const summarised = summaries ? await summaries.call(store, { userId: filter.userId, since: filter.since, until: filter.until }, !!text) : undefined;
  const rows = summarised ?? (await streamedRows(store, filter));
  return finish(rows, filter, text);
}

async function streamedRows(store: AuditStore, filter: EventFilter): Promise<Array<SessionRow & { text: string }>> {
  const rows = new Map<string, SessionRow & { text: string }>();
  // Storage order: a summary needs no sort, so the trail is streamed, never held whole.
  for await (const e of store.events({ userId: filter.userId, since: filter.since, until: filter.until }, { ordered: false })) {
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
  return [...rows.values()];
}

function finish(rows: Array<SessionRow & { text: string }>, filter: { errorsOnly?: boolean }, text: string | undefined): SessionRow[] {
  return rows
    .map(({ text: t, ...r }) => ({ ...r, duration_ms: Date.parse(r.end) - Date.parse(r.start), cost: Math.round(r.cost * 1e6) / 1e6, _t: t }))
    .filter((r) => (!filter.errorsOnly || r.errors > 0) && (!text || `${r.session_id} ${r.user_id ?? ""} ${r._t}`.toLowerCase().includes(text)))
    .map(({ _t, ...r }) => r)
    .sort(newestFirst);
}

/** Last activity, newest first; the id breaks ties so a cursor names one place in the order. */
function newestFirst(a: { end: string; session_id: string }, b: { end: string; session_id: string }): number {
  if (a.end !== b.end) return a.end < b.end ? 1 : -1;
  return a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0;
}

export interface SessionsPage {
  sessions: SessionRow[];
  next: string | null;
  total: number;
}

/** The page of `rows` (sorted by `sessionRows`) that follows `after`. */
export function pageOfSessions(rows: readonly SessionRow[], limit: number, after?: SessionsPosition): SessionsPage {
  const from = after ? rows.findIndex((r) => newestFirst(r, { end: after.end, session_id: after.id }) > 0) : 0;
  const start = from < 0 ? rows.length : from;
  const sessions = rows.slice(start, start + limit);
  const last = sessions[sessions.length - 1];
  const next = last && start + limit < rows.length ? sessionsCursor({ end: last.end, id: last.session_id }) : null;
  return { sessions, next, total: rows.length };
}

export interface EventsPage {
  session_id: string;
  events: AuditEvent[];
  next: string | null;
}

/**
 * One page of a session's events in the store's order (time, then chain sequence). The cursor
 * is a time and how many events at that time were already given: the store starts at that time
 * (its own index or scan), and no event id has to be found again, so an erased or purged event
 * cannot lose the place. The store is left as soon as one event past the page is seen.
 */
export async function pageOfEvents(store: AuditStore, sessionId: string, limit: number, after?: EventsPosition): Promise<EventsPage> {
  const since = after ? new Date(Date.parse(after.ts)) : undefined;
  const events: AuditEvent[] = [];
  let skipAtTs = after?.n ?? 0;
  let more = false;
  for await (const e of store.events({ sessionId, since: since && !Number.isNaN(since.getTime()) ? since : undefined })) {
    if (after && e.ts < after.ts) continue;
    if (after && e.ts === after.ts && skipAtTs > 0) {
      skipAtTs--;
      continue;
    }
    if (events.length === limit) {
      more = true;
      break;
    }
    events.push(e);
  }
  const last = events[events.length - 1];
  if (!more || !last) return { session_id: sessionId, events, next: null };
  let atLast = 0;
  for (let i = events.length - 1; i >= 0 && events[i]!.ts === last.ts; i--) atLast++;
  const n = after && after.ts === last.ts ? after.n + atLast : atLast;
  return { session_id: sessionId, events, next: eventsCursor({ ts: last.ts, n }) };
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
