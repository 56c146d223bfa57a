// A deterministic month of activity, written to every store the comparisons ask.
import type { AuditTrail } from "../../src/capture/audit-trail.js";

export const DAY = 86_400_000;
export const T0 = Date.parse("2026-11-01T00:00:00.000Z");

/** A deterministic month of activity: 3 users, sessions, tools with known durations, model calls, failures, one spike hour. */
export function writeHistory(trail: AuditTrail) {
  let t = T0;
  const at = (ms: number) => (t = ms);
  for (let day = 0; day < 4; day++) {
    for (let run = 0; run < 6; run++) {
      const user = ["alice", "bob", "carol"][run % 3]!;
      const session = `s-${day}-${run % 2}`;
      const trace = `00000000-0000-4000-8000-${String(day * 100 + run).padStart(12, "0")}`;
      const base = { session_id: session, user_id: user, trace_id: trace };
      at(T0 + day * DAY + run * 3_600_000 + 1000);
      trail.emit({ ...base, level: "info", type: "input", data: { content: `question ${day}.${run}` }, time: t });
      trail.emit({ ...base, level: "debug", type: "llm_end", name: "gpt-4o-mini", run_id: `${trace}-m`, data: { model: run % 2 ? "gpt-4o-mini" : "claude-sonnet-4", usage: { input_tokens: 100 + run, output_tokens: 20 + day, total_tokens: 120 + run + day }, cost: 0.001 * (run + 1) }, duration_ms: 500 + run, time: t + 10 });
      const failed = run === 5;
      trail.emit({ ...base, level: failed ? "error" : "info", type: failed ? "tool_error" : "tool_end", name: run % 2 ? "search" : "book", run_id: `${trace}-t`, data: { tool: run % 2 ? "search" : "book" }, duration_ms: 100 * (run + 1) + day, status: failed ? "error" : "ok", time: t + 20 });
      trail.emit({ ...base, level: "info", type: "output", data: { content: "answer" }, duration_ms: 900, status: failed ? "error" : "ok", time: t + 30 });
    }
  }
  // A spike: 80 events in one hour on the last day.
  for (let i = 0; i < 80; i++) trail.emit({ level: "info", type: "custom", session_id: "s-spike", user_id: "bot", data: { i }, time: T0 + 3 * DAY + 20 * 3_600_000 + i });
}
