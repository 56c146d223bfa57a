// Sessions built to tell the session-row rules apart (store/session-rows.ts), and how every store
// is asked for them: each filter, every page by its cursor, and cursors no viewer gave out.
import type { ExpectStatic } from "vitest";
import type { AuditTrail } from "../../src/capture/audit-trail.js";
import { sessionsPage, type SessionFilter, type SessionsPage } from "../../src/serve/sessions.js";
import { readSessionsCursor } from "../../src/serve/cursor.js";
import type { AuditStore, SessionRow } from "../../src/store/types.js";
import { DAY, T0 } from "./history.js";

/**
 * Sessions built to tell the rules apart: a session whose users appear out of time order (the
 * earliest event's user wins, not the first line's), structured inputs (canonical JSON in both
 * stores), propagated and output errors (not counted), a cost that is a string (not a number),
 * events without a session, last activities that tie (the id decides), and non-ASCII ids.
 */
export function writeSessions(trail: AuditTrail) {
  const at = (day: number, min: number) => T0 + day * DAY + min * 60_000;
  for (let i = 0; i < 23; i++) {
    const session = i === 7 ? "s-é" : i === 8 ? "s-Z" : `s-${String(i).padStart(2, "0")}`;
    const user = ["amy", "ben", "cy", "dora"][i % 4]!;
    const base = { session_id: session, user_id: user };
    const t = at(i % 5, i * 7);
    trail.emit({ ...base, level: "info", type: "input", data: { content: i % 3 ? `Ask ${i} about Flights` : [{ type: "text", text: `part ${i}` }, { image_url: "x.png", type: "image_url" }] }, time: t });
    trail.emit({ ...base, level: "debug", type: "llm_end", name: "m", data: { model: i % 2 ? "gpt-4o-mini" : "claude-sonnet-4", usage: { input_tokens: 10, output_tokens: i, total_tokens: 10 + i }, cost: i % 4 === 3 ? "0.5" : 0.0001 * (i + 1) }, duration_ms: 300, time: t + 10 });
    if (i % 5 === 0) trail.emit({ ...base, level: "error", type: "tool_error", name: "search", data: { tool: "search", error: { type: "TimeoutError", message: "slow" } }, duration_ms: 90, status: "error", time: t + 20 });
    if (i % 5 === 0) trail.emit({ ...base, level: "error", type: "chain_error", data: { propagated: true, error: { type: "TimeoutError" } }, time: t + 25 });
    if (i % 6 === 1) trail.emit({ ...base, level: "error", type: "output", data: { content: "failed" }, status: "error", time: t + 30 });
    else trail.emit({ ...base, level: "info", type: "output", data: { content: "ok" }, status: "ok", time: t + 30 });
    // A second run, a later question: the preview stays the first one.
    trail.emit({ ...base, level: "info", type: "input", data: { content: `Then NEEDLE-${i}` }, time: t + 40 });
  }
  // Two users in one session, written against time order: amy's event is the earlier one.
  trail.emit({ session_id: "s-two", user_id: "zed", level: "info", type: "input", data: { content: "late question" }, time: at(2, 500) });
  trail.emit({ session_id: "s-two", user_id: "amy", level: "info", type: "input", data: { content: "early question" }, time: at(2, 400) });
  // Same last activity as s-two: ties broken by id.
  trail.emit({ session_id: "s-tie", user_id: "ben", level: "info", type: "custom", data: {}, time: at(2, 500) });
  // No session at all.
  trail.emit({ user_id: "cy", level: "error", type: "tool_error", name: "x", data: { tool: "x" }, status: "error", time: at(1, 5) });
  trail.emit({ level: "info", type: "input", data: {}, time: at(1, 6) });
}


export const SESSION_FILTERS: Array<[string, SessionFilter]> = [
  ["everything", {}],
  ["one user", { userId: "ben" }],
  ["a time range", { since: new Date(T0 + DAY), until: new Date(T0 + 3 * DAY) }],
  ["errors only", { errorsOnly: true }],
  ["text in a later input, other case", { text: "needle-1" }],
  ["text in a structured input", { text: '"type":"image_url"' }],
  ["text and errors only", { text: "flights", errorsOnly: true }],
  ["text that matches nothing", { text: "no such words" }],
];

/** Every page, following the cursors, as the viewer would fetch them. */
export async function allPages(store: AuditStore, filter: SessionFilter, limit: number, expect: ExpectStatic): Promise<SessionsPage[]> {
  const pages: SessionsPage[] = [];
  let after;
  for (;;) {
    const page = await sessionsPage(store, filter, limit, after);
    pages.push(page);
    if (!page.next) return pages;
    after = readSessionsCursor(page.next);
    expect(pages.length).toBeLessThan(50);
  }
}

/** Positions a client could send although no page gave them out: not a time, NULs, empty ids. */
export function oddCursors(rows: readonly SessionRow[]): Array<{ end: string; id: string }> {
  const mid = rows[10]!;
  return [
    { end: "not a time", id: "s-1" },
    { end: "2026-11-03", id: "" },
    { end: mid.end, id: `${mid.session_id}\u0000zz` },
    { end: mid.end, id: "" },
    { end: `${mid.end}\u0000`, id: "s" },
    { end: `${mid.end.slice(0, 10)}\u0000x`, id: "s" },
  ];
}
