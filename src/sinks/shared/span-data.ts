/** Pieces of a run that every span-shaped destination reports the same way. */
import type { Attributes } from "@opentelemetry/api";
import type { TokenUsage } from "../../events/usage.js";
import type { RunRecord } from "./runs.js";

/** The sealed events behind a span: look the span up in the local trail by these. */
export function auditAttributes(r: RunRecord): Attributes {
  const a: Attributes = {};
  const end = r.endEvent ?? r.startEvent;
  if (end) {
    a["agent_audit.event_id"] = end.id;
    a["agent_audit.chain_id"] = end.chain_id;
    a["agent_audit.seq"] = end.seq;
    if (end.hash) a["agent_audit.hash"] = end.hash;
  }
  if (r.startEvent && r.endEvent) a["agent_audit.start_event_id"] = r.startEvent.id;
  if (r.incomplete) a["agent_audit.incomplete"] = true;
  return a;
}

export function errorAttributes(r: RunRecord): Attributes {
  const a: Attributes = {};
  if (r.error?.type) a["exception.type"] = r.error.type;
  if (r.error?.message) a["exception.message"] = r.error.message;
  if (r.error?.stack) a["exception.stacktrace"] = r.error.stack;
  return a;
}

/** The final answer of an invocation: the output event's content, without its totals. */
export function rootOutput(r: RunRecord): unknown {
  if (!r.summary) return r.output;
  const { usage: _u, models: _m, llm_calls: _l, tool_calls: _t, errors: _e, ...answer } = r.summary;
  return Object.keys(answer).length ? answer : r.output;
}

export function usageOf(r: RunRecord): TokenUsage | undefined {
  return (r.endData.usage as TokenUsage | undefined) ?? undefined;
}
