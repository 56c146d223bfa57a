/**
 * A session as an indented timeline: one line per run (its start and end merged), nested under its
 * parent, with duration, tokens and errors; inputs, reasoning and outputs in between.
 */
import type { AuditEvent } from "../events/schema.js";
import { formatDuration, formatMoney, plural } from "./format.js";

export interface TimelineOptions {
  color?: boolean;
  /** Longest text shown for an input, output, argument or result. */
  width?: number;
}

const START = new Set(["chain_start", "llm_start", "tool_start", "retriever_start"]);
const END = new Set(["chain_end", "llm_end", "tool_end", "retriever_end", "chain_error", "llm_error", "tool_error", "retriever_error"]);

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function clip(value: unknown, width: number): string {
  if (value === undefined || value === null) return "";
  const text = (typeof value === "string" ? value : JSON.stringify(value)).replace(/\s+/g, " ").trim();
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function tokens(usage: unknown): string {
  const u = usage as { input_tokens?: number; output_tokens?: number; total_tokens?: number } | undefined;
  if (!u) return "";
  return `${plural(u.total_tokens ?? (u.input_tokens ?? 0) + (u.output_tokens ?? 0), "token")} (${u.input_tokens ?? 0} in / ${u.output_tokens ?? 0} out)`;
}

function errorText(data: Record<string, unknown>): string {
  const err = data.error as { type?: string; message?: string } | undefined;
  return err ? `${err.type ?? "Error"}: ${err.message ?? ""}` : "";
}

const byTime = (a: AuditEvent, b: AuditEvent) => (a.ts === b.ts ? a.seq - b.seq : a.ts < b.ts ? -1 : 1);

/**
 * Renders events (any order, any number of sessions) as text lines: one timeline per session,
 * each under its own header, sessions in the order they began.
 */
export function renderTimeline(events: readonly AuditEvent[], options: TimelineOptions = {}): string[] {
  const sessions = new Map<string | undefined, AuditEvent[]>();
  for (const e of [...events].sort(byTime)) {
    let group = sessions.get(e.session_id);
    if (!group) sessions.set(e.session_id, (group = []));
    group.push(e);
  }
  const lines: string[] = [];
  for (const group of sessions.values()) {
    if (lines.length) lines.push("");
    lines.push(...renderSession(group, options));
  }
  return lines;
}

/** The timeline of one session's events, sorted by time. */
function renderSession(sorted: readonly AuditEvent[], options: TimelineOptions): string[] {
  const color = options.color ?? false;
  const width = options.width ?? 90;
  const ends = new Map<string, AuditEvent>();
  const started = new Set<string>();
  for (const e of sorted) {
    if (e.run_id && END.has(e.type)) ends.set(e.run_id, e);
    if (e.run_id && START.has(e.type)) started.add(e.run_id);
  }
  const depth = new Map<string, number>();
  const depthOf = (parent: string | undefined) => (parent !== undefined && depth.has(parent) ? depth.get(parent)! + 1 : 0);
  const lines: string[] = [];
  const first = sorted[0];
  if (first) {
    lines.push(paint(color, "1", `Session ${first.session_id ?? "(none)"}${first.user_id ? ` · user ${first.user_id}` : ""} · ${first.ts.replace("T", " ").slice(0, 19)} UTC`));
  }

  for (const e of sorted) {
    const d = e.data as Record<string, unknown>;
    const isStart = e.run_id !== undefined && START.has(e.type);
    const orphanEnd = e.run_id !== undefined && END.has(e.type) && !started.has(e.run_id);
    if (e.run_id && END.has(e.type) && !orphanEnd) continue; // merged into its start line
    const level = depthOf(e.parent_run_id);
    if (e.run_id && (isStart || orphanEnd)) depth.set(e.run_id, level);
    const pad = "  ".repeat(level);

    if (isStart || orphanEnd) {
      const end = isStart ? ends.get(e.run_id!) : e;
      const kind = e.type.split("_")[0]!;
      const parts = [`${kind === "chain" && level === 0 ? "▶" : "•"} ${kind === "chain" ? "" : `${kind} `}${e.name ?? ""}`.replace("  ", " ")];
      if (end?.duration_ms !== undefined) parts.push(paint(color, "2", formatDuration(end.duration_ms)));
      const endData = (end?.data ?? {}) as Record<string, unknown>;
      if (kind === "llm") {
        const model = endData.model ?? d.model;
        if (model && model !== e.name) parts.push(String(model));
        const t = tokens(endData.usage);
        if (t) parts.push(t);
        if (typeof endData.cost === "number") parts.push(formatMoney(endData.cost));
        if (endData.time_to_first_token_ms !== undefined) parts.push(`first token ${formatDuration(Number(endData.time_to_first_token_ms))}`);
      }
      if (kind === "tool") {
        parts.push(clip(d.args, Math.floor(width / 2)));
        if (end?.status === "ok" && endData.result !== undefined) parts.push(`→ ${clip(endData.result, Math.floor(width / 2))}`);
      }
      if (kind === "retriever" && endData.count !== undefined) parts.push(plural(Number(endData.count), "document"));
      if (!end) parts.push(paint(color, "33", "(no end recorded)"));
      else if (end.status === "error") parts.push(paint(color, "31", `✗ ${errorText(endData) || clip(endData.result, width)}`));
      else if (end.status === "interrupted") parts.push(paint(color, "33", "⏸ interrupted"));
      if (end?.level === "warn" && endData.slow) parts.push(paint(color, "33", "slow"));
      lines.push(pad + parts.filter(Boolean).join("  "));
      continue;
    }

    switch (e.type) {
      case "input":
        lines.push(`${pad}${paint(color, "36", "input")}   ${clip(d.content ?? d.command ?? d.inputs ?? d.messages, width)}`);
        break;
      case "output": {
        const extra = [tokens(d.usage), d.llm_calls ? plural(Number(d.llm_calls), "model call") : "", d.tool_calls ? plural(Number(d.tool_calls), "tool call") : "", d.errors ? plural(Number(d.errors), "error") : ""].filter(Boolean);
        const body = e.status === "error" ? paint(color, "31", `✗ ${errorText(d)}`) : e.status === "interrupted" ? paint(color, "33", `⏸ waiting: ${clip(d.interrupts, width)}`) : clip(d.content ?? d.structured_response ?? d.outputs, width);
        lines.push(`${pad}${paint(color, "36", "output")}  ${body}`);
        if (extra.length) lines.push(`${pad}        ${paint(color, "2", extra.join(" · "))}`);
        break;
      }
      case "reasoning": {
        const plan = Array.isArray(d.tool_calls) ? (d.tool_calls as { name: string; args: unknown }[]).map((c) => `${c.name}(${clip(c.args, 40)})`).join(", ") : "";
        const thought = clip(d.thought ?? d.reasoning, width);
        lines.push(`${pad}${paint(color, "35", "thought")} ${[thought, plan && `plan: ${plan}`].filter(Boolean).join("  ")}`);
        break;
      }
      case "policy": {
        const verdict = d.action === "block" ? "✗ blocked" : d.action === "flag" ? "⚑ flagged" : String(d.action ?? "");
        const why = [d.rule, d.reason].filter(Boolean).join(": ");
        lines.push(`${pad}${paint(color, e.level === "error" ? "31" : "33", "policy")}  ${verdict} ${String(d.tool ?? e.name ?? "")}(${clip(d.args, 40)})${why ? `  — ${why}` : ""}`);
        break;
      }
      default:
        lines.push(`${pad}${e.type} ${e.name ?? ""}  ${clip(d.value ?? d, width)}`);
    }
  }
  return lines;
}
