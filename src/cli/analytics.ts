/** `agent-audit query | stats | export`: thin over the store interface, for humans and machines. */
import type { AuditEvent } from "../events/schema.js";
import type { AuditStore, EventFilter } from "../store/types.js";
import { parseAge } from "../integrity/retention.js";
import type { statsReport } from "../store/stats-report.js";

export function filterFrom(values: { session?: string; user?: string; since?: string; until?: string; type?: string; level?: string }, now = Date.now()): EventFilter {
  const when = (v: string | undefined) => {
    if (!v) return undefined;
    if (/^\d+\s*[dhm]$/.test(v)) return new Date(now - parseAge(v)); // "7d": relative to now
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) throw new Error(`"${v}" is not a date (use ISO 8601, e.g. 2026-11-01, or an age like 7d)`);
    return d;
  };
  return {
    sessionId: values.session,
    userId: values.user,
    since: when(values.since),
    until: when(values.until),
    types: values.type?.split(",").map((s) => s.trim()).filter(Boolean),
    levels: values.level?.split(",").map((s) => s.trim()).filter(Boolean),
  };
}

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}

export function renderStats(s: Awaited<ReturnType<typeof statsReport>>): string[] {
  const n = (x: number | null) => (x === null ? "-" : String(x));
  const out: string[] = ["Tools"];
  out.push(...table(["TOOL", "CALLS", "ERRORS", "P50 MS", "P95 MS"], s.tools.map((t) => [t.tool, String(t.calls), String(t.errors), n(t.p50_ms), n(t.p95_ms)])));
  out.push("", "Errors per day");
  out.push(...table(["DAY", "EVENTS", "ERROR EVENTS", "RUNS", "FAILED RUNS", "FAILURE RATE"], s.errors.map((d) => [d.day, String(d.events), String(d.errors), String(d.invocations), String(d.failed_invocations), `${(d.rate * 100).toFixed(1)}%`])));
  out.push("", "Tokens and cost per model per day");
  out.push(...table(["DAY", "MODEL", "CALLS", "INPUT", "OUTPUT", "TOTAL", "COST $"], s.models.map((m) => [m.day, m.model, String(m.calls), String(m.input_tokens), String(m.output_tokens), String(m.total_tokens), m.cost.toFixed(4)])));
  const spikes = s.volume.filter((h) => h.spike);
  out.push("", `Events per hour: ${s.volume.length} hour(s), peak ${Math.max(0, ...s.volume.map((h) => h.events))}${spikes.length ? `; SPIKES at ${spikes.map((h) => `${h.hour} (${h.events} vs baseline ${h.baseline})`).join(", ")}` : "; no spikes"}`);
  return out;
}

const CSV_COLUMNS = ["ts", "seq", "level", "type", "session_id", "user_id", "trace_id", "run_id", "parent_run_id", "name", "duration_ms", "status", "id", "data"] as const;

export function csvHeader(): string {
  return CSV_COLUMNS.join(",");
}

export function csvRow(e: AuditEvent): string {
  return CSV_COLUMNS.map((c) => {
    const v = (e as Record<string, unknown>)[c];
    if (v === undefined || v === null) return "";
    const s = typeof v === "string" ? v : JSON.stringify(v);
    // RFC 4180 quoting; a leading =, +, - or @ is neutralised so spreadsheets do not run it.
    const safe = /^[=+\-@]/.test(s) && typeof v === "string" ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  }).join(",");
}
