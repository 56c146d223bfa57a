/**
 * The rules of a session row that every store must apply alike (the streaming scan in the viewer
 * and PostgreSQL's GROUP BY): which event's user and input a row shows, how an input reads as
 * text, what a text search looks in, and the order of the list. Ties are broken by (time, seq,
 * id), never by storage order, so two stores holding the same events agree.
 */
import { canonicalJson } from "../integrity/canonical.js";
import type { SessionRow, SessionsPosition } from "./types.js";

export const NO_SESSION = "(no session)";
export const PREVIEW_CHARS = 120;

/** An event's place in time: ts, then its chain's seq, then its id. */
export interface EventKey {
  ts: string;
  seq: number;
  id: string;
}

export function earlier(a: EventKey, b: EventKey): boolean {
  if (a.ts !== b.ts) return a.ts < b.ts;
  if (a.seq !== b.seq) return a.seq < b.seq;
  return a.id < b.id;
}

/**
 * A user input as text. Structured content (message parts) is written as canonical JSON: the
 * database gives objects back with its own key order, the trail with the writer's.
 */
export function inputText(content: unknown): string {
  return typeof content === "string" ? content : canonicalJson(content ?? "");
}

/** The search: the id, the user and every input (earliest first), lower-cased, as one text. */
export function matchesText(sessionId: string, userId: string | undefined, inputs: readonly string[], text: string): boolean {
  const haystack = `${sessionId} ${userId ?? ""} ${inputs.map((c) => ` ${c}`).join("")}`;
  return haystack.toLowerCase().includes(text.toLowerCase());
}

/** Last activity, newest first; the id breaks ties so a cursor names one place in the order. */
export function newestFirst(a: { end: string; session_id: string }, b: { end: string; session_id: string }): number {
  if (a.end !== b.end) return a.end < b.end ? 1 : -1;
  return a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0;
}

/** Whether an error event counts against its session: once, where it happened, not where it surfaced. */
export function countsAsError(e: { level: string; type: string; data: unknown }): boolean {
  return e.level === "error" && e.type !== "output" && !(e.data as { propagated?: unknown } | null)?.propagated;
}

/** The row's finished numbers: duration from its span, cost rounded like every other cost. */
export function finishRow(r: Omit<SessionRow, "duration_ms">): SessionRow {
  const { session_id, user_id, start, end, runs, model_calls, tool_calls, tokens, cost, errors, preview } = r;
  return {
    session_id,
    ...(user_id !== undefined ? { user_id } : {}),
    start,
    end,
    duration_ms: Date.parse(end) - Date.parse(start),
    runs,
    model_calls,
    tool_calls,
    tokens,
    cost: Math.round(cost * 1e6) / 1e6,
    errors,
    ...(preview !== undefined ? { preview } : {}),
  };
}

/** The page of `rows` (sorted newest first) after `after`: its rows, whether more follow, and the count of all. */
export function pageAfter<R extends { end: string; session_id: string }>(rows: readonly R[], limit: number, after?: SessionsPosition): { page: R[]; more: boolean; total: number } {
  const from = after ? rows.findIndex((r) => newestFirst(r, { end: after.end, session_id: after.id }) > 0) : 0;
  const start = from < 0 ? rows.length : from;
  return { page: rows.slice(start, start + limit), more: start + limit < rows.length, total: rows.length };
}
