/**
 * `agent-audit export --format csv`: one row per event for spreadsheets. The fields people sort
 * and sum by (tool, model, tokens, cost, status, duration, error) get columns of their own; the
 * whole `data` stays as the last column, as JSON, so nothing is lost.
 */
import type { AuditEvent } from "../events/schema.js";

type Cell = string | number | undefined;

interface Usage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
}

const number = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Column name → how to read it from an event. The order is the file's column order. */
const COLUMNS: ReadonlyArray<readonly [string, (e: AuditEvent, d: Record<string, unknown>) => Cell]> = [
  ["ts", (e) => e.ts],
  ["seq", (e) => e.seq],
  ["level", (e) => e.level],
  ["type", (e) => e.type],
  ["session_id", (e) => e.session_id],
  ["user_id", (e) => e.user_id],
  ["trace_id", (e) => e.trace_id],
  ["run_id", (e) => e.run_id],
  ["parent_run_id", (e) => e.parent_run_id],
  ["name", (e) => e.name],
  // A tool's events are named by the tool; a policy verdict names the tool it judged.
  ["tool", (e, d) => (e.type.startsWith("tool_") ? e.name : e.type === "policy" ? text(d.tool) : undefined)],
  ["model", (e, d) => text(d.model) ?? (e.type.startsWith("llm_") ? e.name : undefined)],
  ["input_tokens", (_e, d) => number((d.usage as Usage | undefined)?.input_tokens)],
  ["output_tokens", (_e, d) => number((d.usage as Usage | undefined)?.output_tokens)],
  ["total_tokens", (_e, d) => number((d.usage as Usage | undefined)?.total_tokens)],
  ["cost_usd", (_e, d) => number(d.cost)],
  ["status", (e) => e.status],
  ["duration_ms", (e) => e.duration_ms],
  ["error_type", (_e, d) => text((d.error as { type?: unknown } | undefined)?.type)],
  ["error_message", (_e, d) => text((d.error as { message?: unknown } | undefined)?.message) ?? (typeof d.error === "string" ? d.error : undefined)],
  ["id", (e) => e.id],
  ["chain_id", (e) => e.chain_id],
  ["data", (e) => JSON.stringify(e.data ?? {})],
];

export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

export function csvHeader(): string {
  return CSV_COLUMNS.join(",");
}

export function csvRow(e: AuditEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  return COLUMNS.map(([, read]) => csvCell(read(e, d))).join(",");
}

/**
 * One cell. A text that a spreadsheet would run as a formula (it begins with = + - @, a tab or a
 * carriage return) gets a leading ' so it shows as text; then RFC 4180 quoting: a cell holding a
 * comma, quote or line break is quoted, its quotes doubled.
 */
export function csvCell(value: Cell): string {
  if (value === undefined) return "";
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
