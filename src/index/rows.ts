/**
 * One index row per trail line: the envelope columns, the hot fields the queries group and sum
 * (extracted exactly as the streaming scan reads them), the storage position, and the line itself
 * (the `data` payload with everything else), from which `events()` gives back the very event the
 * scan would parse. Only what is on disk is indexed: an encrypted event's content stays encrypted.
 */
import type { AuditEvent } from "../events/schema.js";
import { inputText } from "../store/session-rows.js";

export type Cell = string | number | boolean | null;

export const COLUMNS: ReadonlyArray<readonly [string, "VARCHAR" | "DOUBLE" | "BOOLEAN" | "INTEGER"]> = [
  ["seg", "VARCHAR"],
  ["line_no", "INTEGER"],
  // Where the line is in its segment, so a few events are read back from the JSONL directly.
  ["offset", "DOUBLE"],
  ["bytes", "DOUBLE"],
  ["id", "VARCHAR"],
  ["ts", "VARCHAR"],
  ["chain_id", "VARCHAR"],
  ["seq", "DOUBLE"],
  ["type", "VARCHAR"],
  ["level", "VARCHAR"],
  ["session_id", "VARCHAR"],
  ["user_id", "VARCHAR"],
  ["name", "VARCHAR"],
  ["status", "VARCHAR"],
  ["duration_ms", "DOUBLE"],
  ["erased", "BOOLEAN"],
  ["tool", "VARCHAR"],
  ["model", "VARCHAR"],
  ["input_tokens", "DOUBLE"],
  ["output_tokens", "DOUBLE"],
  ["total_tokens", "DOUBLE"],
  ["cost", "DOUBLE"],
  ["error_type", "VARCHAR"],
  ["propagated", "BOOLEAN"],
  ["content", "VARCHAR"],
  // An output event's summary of its invocation (the CLI's session list counts from these).
  ["llm_calls", "DOUBLE"],
  ["tool_calls", "DOUBLE"],
  ["errors", "DOUBLE"],
  ["line", "VARCHAR"],
];

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function rowOf(seg: string, lineNo: number, offset: number, bytes: number, e: AuditEvent, line: string): Cell[] {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const usage = (d.usage ?? undefined) as Record<string, unknown> | undefined;
  const error = d.error as Record<string, unknown> | undefined;
  // The input's text as the viewer's session list reads it (its preview and search text).
  const content = e.type === "input" ? inputText(d.content) : null;
  return [
    seg,
    lineNo,
    offset,
    bytes,
    e.id,
    e.ts,
    str(e.chain_id),
    num(e.seq),
    e.type,
    str(e.level),
    str(e.session_id),
    str(e.user_id),
    str(e.name),
    str(e.status),
    num(e.duration_ms),
    !!e.erased,
    str(d.tool),
    str(d.model),
    num(usage?.input_tokens),
    num(usage?.output_tokens),
    num(usage?.total_tokens),
    num(d.cost),
    error && typeof error === "object" ? str(error.type) ?? str(error.name) : null,
    !!d.propagated,
    content,
    num(d.llm_calls),
    num(d.tool_calls),
    num(d.errors),
    line,
  ];
}
