/** `agent-audit query | stats | export`: thin over the store interface, for humans and machines. */
import type { AuditStore, EventFilter } from "../store/types.js";
import { parseAge } from "../integrity/retention.js";
import type { statsReport } from "../store/stats-report.js";
import { formatDuration, formatMoney, plural } from "./format.js";

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
  const ms = (x: number | null) => (x === null ? "-" : formatDuration(x));
  const out: string[] = ["Tools"];
  out.push(...table(["TOOL", "CALLS", "ERRORS", "P50", "P95"], s.tools.map((t) => [t.tool, String(t.calls), String(t.errors), ms(t.p50_ms), ms(t.p95_ms)])));
  out.push("", "Errors per day");
  out.push(...table(["DAY", "EVENTS", "ERROR EVENTS", "RUNS", "FAILED RUNS", "FAILURE RATE"], s.errors.map((d) => [d.day, String(d.events), String(d.errors), String(d.invocations), String(d.failed_invocations), `${(d.rate * 100).toFixed(1)}%`])));
  out.push("", "Tokens and cost per model per day");
  out.push(...table(["DAY", "MODEL", "CALLS", "INPUT", "OUTPUT", "TOTAL", "COST"], s.models.map((m) => [m.day, m.model, String(m.calls), String(m.input_tokens), String(m.output_tokens), String(m.total_tokens), formatMoney(m.cost)])));
  out.push("", "Cost per user over the period (top 20 by cost; --json has every user per day)");
  const users = s.user_totals;
  out.push(...table(["USER", "CALLS", "TOKENS", "COST"], users.slice(0, 20).map((u) => [u.user_id, String(u.calls), String(u.total_tokens), formatMoney(u.cost)])));
  if (users.length > 20) out.push(`… and ${plural(users.length - 20, "more user")}`);
  const spikes = s.volume.filter((h) => h.spike);
  out.push("", `Events per hour: ${plural(s.volume.length, "hour")}, peak ${Math.max(0, ...s.volume.map((h) => h.events))}${spikes.length ? `; SPIKES at ${spikes.map((h) => `${h.hour} (${h.events} vs baseline ${h.baseline})`).join(", ")}` : "; no spikes"}`);
  return out;
}
