/**
 * Reading a JSONL trail back: its segment files in order, one event per line.
 *
 * A crash mid-write can leave a torn last line; such a line (or any line that is not an event) is
 * skipped and counted, never allowed to hide the lines around it.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AuditEvent } from "../events/schema.js";
import { listSegments, parseLine } from "../format/trail-format.js";

export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

export interface ReadOptions {
  /** Called for every line that is not a readable event. */
  onBadLine?: (bad: BadLine) => void;
}

/** Every event in one segment file, in file order. */
export async function* readSegment(file: string, options: ReadOptions = {}): AsyncGenerator<AuditEvent> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of lines) {
    n++;
    if (!text.trim()) continue;
    const parsed = parseLine(text);
    if ("event" in parsed) yield parsed.event;
    else options.onBadLine?.({ file, line: n, reason: parsed.reason });
  }
}

/** Every event of the trail in `dir`, segment by segment. */
export async function* readTrail(dir: string, options: ReadOptions = {}): AsyncGenerator<AuditEvent> {
  for (const file of listSegments(dir)) yield* readSegment(file, options);
}

/** Orders events as they happened: by time, then by sequence within a chain. */
export function byTime(a: AuditEvent, b: AuditEvent): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  if (a.chain_id === b.chain_id) return a.seq - b.seq;
  return a.id < b.id ? -1 : 1;
}

export interface SessionSummary {
  session_id: string;
  user_id?: string;
  first_ts: string;
  last_ts: string;
  events: number;
  invocations: number;
  llm_calls: number;
  tool_calls: number;
  errors: number;
  total_tokens: number;
}

/** One summary per session in the trail, most recent first. */
export function listSessions(dir: string, options: ReadOptions = {}): Promise<SessionSummary[]> {
  return summarizeSessions(readTrail(dir, options));
}

/** One summary per session of any store's events (in any order), most recent first. */
export async function summarizeSessions(events: AsyncIterable<AuditEvent>): Promise<SessionSummary[]> {
  const sessions = new Map<string, SessionSummary>();
  for await (const e of events) {
    // An erased event is a tombstone that belongs to nobody: it keeps the chain, not a session.
    if (e.erased) continue;
    const id = e.session_id ?? "(no session)";
    let s = sessions.get(id);
    if (!s) {
      s = { session_id: id, first_ts: e.ts, last_ts: e.ts, events: 0, invocations: 0, llm_calls: 0, tool_calls: 0, errors: 0, total_tokens: 0 };
      sessions.set(id, s);
    }
    if (e.user_id && !s.user_id) s.user_id = e.user_id;
    if (e.ts < s.first_ts) s.first_ts = e.ts;
    if (e.ts > s.last_ts) s.last_ts = e.ts;
    s.events++;
    // Counted from the output event, which summarises its invocation whatever the trail's level.
    if (e.type === "output") {
      const d = e.data as { llm_calls?: number; tool_calls?: number; errors?: number; usage?: { total_tokens?: number } };
      s.invocations++;
      s.llm_calls += d.llm_calls ?? 0;
      s.tool_calls += d.tool_calls ?? 0;
      s.errors += d.errors ?? 0;
      s.total_tokens += d.usage?.total_tokens ?? 0;
    }
  }
  return [...sessions.values()].sort((a, b) => (a.last_ts < b.last_ts ? 1 : -1));
}

/** Every event of one session, in the order it happened. */
export async function sessionEvents(dir: string, sessionId: string, options: ReadOptions = {}): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  for await (const e of readTrail(dir, options)) if (e.session_id === sessionId) events.push(e);
  return events.sort(byTime);
}
