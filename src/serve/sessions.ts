/**
 * Session summaries and one session's events for the viewer, computed from any store (JSONL,
 * PostgreSQL, ClickHouse or the columnar index) the same way, one page at a time: no answer
 * carries a whole trail.
 */
import type { AuditEvent } from "../events/schema.js";
import type { AuditStore, SessionRow } from "../store/types.js";
import { pageAfter } from "../store/session-rows.js";
import { sessionRows, type SessionFilter } from "../store/session-scan.js";
import { eventsCursor, sessionsCursor, type EventsPosition, type SessionsPosition } from "./cursor.js";

export type { SessionRow } from "../store/types.js";
export { sessionRows, type SessionFilter };

export interface SessionsPage {
  sessions: SessionRow[];
  next: string | null;
  total: number;
}

/** The page of `rows` (sorted by `sessionRows`) that follows `after`. */
export function pageOfSessions(rows: readonly SessionRow[], limit: number, after?: SessionsPosition): SessionsPage {
  const { page: sessions, more, total } = pageAfter(rows, limit, after);
  const last = sessions[sessions.length - 1];
  return { sessions, next: last && more ? sessionsCursor({ end: last.end, id: last.session_id }) : null, total };
}

/**
 * The viewer's page of sessions: from the store's own `sessions` when it has one (PostgreSQL
 * and ClickHouse group in SQL, the columnar index in DuckDB), otherwise from the streaming scan. Both give the same rows.
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
