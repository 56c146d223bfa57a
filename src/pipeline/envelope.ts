/**
 * The sealed event's envelope, and which events must be on disk before `emit` returns. Both run
 * once per event on the agent's thread.
 */
import { SCHEMA_VERSION, type AuditEvent, type UnsealedEvent } from "../events/schema.js";
import { uuidv7 } from "../events/ids.js";

/**
 * ISO timestamps, cached per millisecond: a run's events share most of their milliseconds, and
 * `toISOString` allocates a Date and a string every call.
 */
let lastMs = Number.NaN;
let lastIso = "";
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * The event as it is stored, before sealing: the trail's fields (id, time, seq, chain) with the
 * captured ones, in one fixed key order, so the envelope reads the same in every file.
 */
export function buildEnvelope(e: UnsealedEvent, seq: number, chainId: string): AuditEvent {
  const time = e.time ?? Date.now();
  const event = {
    schema_version: SCHEMA_VERSION,
    id: uuidv7(time),
    ts: isoTime(time),
    seq,
    level: e.level,
    type: e.type,
  } as AuditEvent;
  if (e.session_id !== undefined) event.session_id = e.session_id;
  if (e.user_id !== undefined) event.user_id = e.user_id;
  if (e.trace_id !== undefined) event.trace_id = e.trace_id;
  if (e.run_id !== undefined) event.run_id = e.run_id;
  if (e.parent_run_id !== undefined) event.parent_run_id = e.parent_run_id;
  if (e.name !== undefined) event.name = e.name;
  if (e.tags !== undefined) event.tags = e.tags;
  if (e.metadata !== undefined) event.metadata = e.metadata;
  event.data = e.data;
  if (e.duration_ms !== undefined) event.duration_ms = e.duration_ms;
  if (e.status !== undefined) event.status = e.status;
  if (e.redactions !== undefined) event.redactions = e.redactions;
  if (e.truncated !== undefined) event.truncated = e.truncated;
  event.chain_id = chainId;
  return event;
}

/**
 * Must this event be on disk before `emit` returns, whatever capture says? Anything at warn or
 * above (a policy verdict, an error: rare, and what an auditor looks for first), and a parentless
 * run's end or the invocation's `output` (what the agent's caller sees next). The commit points
 * before effects are capture's to call (`commit()`): it knows when a callback hands control to a
 * model, tool or retriever, even when the level records no event there.
 */
export function commitsBeforeEffect(e: UnsealedEvent): boolean {
  if (e.type === "output" || e.level === "warn" || e.level === "error") return true;
  return e.parent_run_id === undefined && (e.type.endsWith("_end") || e.type.endsWith("_error"));
}
