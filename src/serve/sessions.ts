/**
 * Session summaries and one session's events for the viewer, computed from any store (JSONL or
 * PostgreSQL) the same way, one page at a time: no answer carries a whole trail.
 */
import type { AuditEvent } from "../events/schema.js";
import type { AuditStore, EventFilter, SessionRow } from "../store/types.js";
import { NO_SESSION, PREVIEW_CHARS, countsAsError, earlier, finishRow, inputText, matchesText, newestFirst, type EventKey } from "../store/session-rows.js";
import { eventsCursor, sessionsCursor, type EventsPosition, type SessionsPosition } from "./cursor.js";

export type { SessionRow } from "../store/types.js";

export type SessionFilter = EventFilter & { errorsOnly?: boolean; text?: string };

interface Tally extends Omit<SessionRow, "duration_ms"> {
  userAt?: EventKey;
  previewAt?: EventKey;
  /** Every input with its place, kept only for a text search. */
  inputs: Array<EventKey & { text: string }>;
}

/** Every matching session's row, newest first, from one streaming scan of the store's events. */
export async function sessionRows(store: AuditStore, filter: SessionFilter = {}): Promise<SessionRow[]> {
  const rows = new Map<string, Tally>();
  const keepInputs = !!filter.text;
  // Storage order: a summary needs no sort, so the trail is streamed, never held whole.
  for await (const e of store.events({ userId: filter.userId, since: filter.since, until: filter.until }, { ordered: false })) {
    // An erased event is a tombstone that belongs to nobody: it keeps the chain, not a session.
    if (e.erased) continue;
    const id = e.session_id ?? NO_SESSION;
    let r = rows.get(id);
    if (!r) {
      r = { session_id: id, start: e.ts, end: e.ts, runs: 0, model_calls: 0, tool_calls: 0, tokens: 0, cost: 0, errors: 0, inputs: [] };
      rows.set(id, r);
    }
    const at: EventKey = { ts: e.ts, seq: e.seq, id: e.id };
    if (e.user_id && (!r.userAt || earlier(at, r.userAt))) {
      r.user_id = e.user_id;
      r.userAt = at;
    }
    if (e.ts < r.start) r.start = e.ts;
    if (e.ts > r.end) r.end = e.ts;
    tally(r, e, at, keepInputs);
  }
  const text = filter.text;
  return [...rows.values()]
    .filter((r) => (!filter.errorsOnly || r.errors > 0) && (!text || matchesText(r.session_id, r.user_id, inputsInOrder(r), text)))
    .map(finishRow)
    .sort(newestFirst);
}

const inputsInOrder = (r: Tally) => r.inputs.sort((a, b) => (earlier(a, b) ? -1 : earlier(b, a) ? 1 : 0)).map((i) => i.text);

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

/**
 * The viewer's page of sessions: from the store's own `sessions` when it has one (PostgreSQL
 * groups in SQL), otherwise from the streaming scan. Both give the same rows.
 */
export async function sessionsPage(store: AuditStore, filter: SessionFilter, limit: number, after?: SessionsPosition): Promise<SessionsPage> {
  if (!store.sessions) return pageOfSessions(await sessionRows(store, filter), limit, after);
  const answer = await store.sessions({ ...filter, limit, after });
  const last = answer.sessions[answer.sessions.length - 1];
  return { sessions: answer.sessions, next: last && answer.more ? sessionsCursor({ end: last.end, id: last.session_id }) : null, total: answer.total };
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

function tally(r: Tally, e: AuditEvent, at: EventKey, keepInputs: boolean): void {
  const d = e.data as Record<string, unknown>;
  if (e.type === "input") {
    r.runs++;
    const content = inputText(d.content);
    if (!r.previewAt || earlier(at, r.previewAt)) {
      r.preview = content.slice(0, PREVIEW_CHARS);
      r.previewAt = at;
    }
    if (keepInputs) r.inputs.push({ ...at, text: content });
  }
  if (e.type === "llm_end") {
    r.model_calls++;
    const total = (d.usage as { total_tokens?: unknown } | undefined)?.total_tokens;
    r.tokens += typeof total === "number" ? total : 0;
    r.cost += typeof d.cost === "number" ? d.cost : 0;
  }
  if (e.type === "tool_end" || e.type === "tool_error") r.tool_calls++;
  if (countsAsError(e)) r.errors++;
}
