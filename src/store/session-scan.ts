/**
 * The viewer's session rows from one streaming scan of any store's events, under the rules of
 * `session-rows.ts`: what a store without its own `sessions()` answers with, and what the columnar
 * index falls back to when its engine cannot answer.
 */
import type { AuditEvent } from "../events/schema.js";
import { NO_SESSION, PREVIEW_CHARS, countsAsError, earlier, finishRow, inputText, matchesText, newestFirst, type EventKey } from "./session-rows.js";
import type { AuditStore, EventFilter, SessionRow } from "./types.js";

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
