/**
 * Readable one-line-per-event output for development:
 *
 *   12:00:01.234 INFO  tool_end    search_flights  12ms ok  → "3 flights to Paris"
 */
import type { AuditEvent } from "../events/schema.js";
import { OK, type SendResult, type Sink } from "./types.js";

export interface ConsoleSinkOptions {
  /** Where lines go (default: process.stderr, so the agent's own stdout stays clean). */
  stream?: { write(text: string): unknown };
  /** ANSI colours (default: when the stream is a TTY). */
  color?: boolean;
}

const COLORS: Record<string, string> = { trace: "\x1b[90m", debug: "\x1b[36m", info: "\x1b[32m", warn: "\x1b[33m", error: "\x1b[31m" };
const RESET = "\x1b[0m";

export function consoleSink(options: ConsoleSinkOptions = {}): Sink {
  const stream = options.stream ?? process.stderr;
  const color = options.color ?? Boolean((stream as { isTTY?: boolean }).isTTY);
  return {
    name: "console",
    kind: "local",
    send(batch: readonly AuditEvent[]): SendResult {
      let text = "";
      for (const e of batch) text += formatEventLine(e, color) + "\n";
      stream.write(text);
      return OK;
    },
  };
}

/**
 * One line describing an event: time, level, type, name, duration, status and the gist of its data;
 * with `withSession`, the session id after the time (`agent-audit tail` interleaves sessions).
 */
export function formatEventLine(e: AuditEvent, color = false, withSession = false): string {
  const level = e.level.toUpperCase().padEnd(5);
  const parts = [e.ts.slice(11, 23), ...(withSession ? [e.session_id ?? "(no session)"] : []), color ? `${COLORS[e.level] ?? ""}${level}${RESET}` : level, e.type.padEnd(15)];
  if (e.name) parts.push(e.name);
  if (e.duration_ms !== undefined) parts.push(formatDuration(e.duration_ms));
  if (e.status && e.status !== "ok") parts.push(e.status);
  const gist = summarize(e);
  if (gist) parts.push(`→ ${gist}`);
  return parts.join("  ");
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
}

/** The most telling part of an event's data, shortened to fit a line. */
export function summarize(e: AuditEvent, max = 100): string {
  const d = e.data as Record<string, unknown>;
  let s: unknown;
  switch (e.type) {
    case "input":
    case "output":
      s = d.content ?? d.error;
      break;
    case "reasoning": {
      const plan = Array.isArray(d.tool_calls) ? (d.tool_calls as { name: string }[]).map((c) => c.name).join(", ") : "";
      s = [d.thought, plan && `plan: ${plan}`].filter(Boolean).join(" | ");
      break;
    }
    case "tool_start":
      s = d.args;
      break;
    case "tool_end":
      s = d.result;
      break;
    case "llm_end": {
      const u = d.usage as { input_tokens?: number; output_tokens?: number } | undefined;
      s = [d.model, u && `${u.input_tokens ?? 0}+${u.output_tokens ?? 0} tokens`].filter(Boolean).join(" ");
      break;
    }
    case "llm_start":
      s = d.model;
      break;
    default:
      if (d.error && typeof d.error === "object") {
        const err = d.error as { type?: string; message?: string };
        s = `${err.type ?? "Error"}: ${err.message ?? ""}`;
      } else s = d.value ?? d.query ?? "";
  }
  if (s === undefined || s === null || s === "") return "";
  const text = (typeof s === "string" ? s : JSON.stringify(s)).replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
