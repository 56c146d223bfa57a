/**
 * Error messages and `stats().sinks.*.last_error` leave the process, so they are redacted like
 * events: a failure can quote the data that caused it. The configured endpoints are the exception.
 * An operator must read where delivery fails, and `127.0.0.1` is configuration, not someone's IP
 * address, so each sink's endpoint label (scheme, host, port; see sinks/shared/endpoint.ts) is kept
 * as written while everything around it is redacted.
 */
import type { Redactor } from "../redact/redactor.js";
import type { Sink } from "../sinks/types.js";
import { endpointLabel } from "../sinks/shared/endpoint.js";

export class Diagnostics {
  /** Longest first, so a label that contains another is kept whole. */
  private readonly labels: string[];

  constructor(
    sinks: readonly Sink[],
    private readonly redactor: Redactor | undefined,
  ) {
    const labels = new Set<string>();
    for (const sink of sinks) {
      const label = endpointLabel(sink.endpoint);
      if (label) labels.add(label);
    }
    this.labels = [...labels].sort((a, b) => b.length - a.length);
  }

  /** Redacts `text`, leaving the configured endpoint labels in it untouched. */
  sanitize(text: string): string {
    const redactor = this.redactor;
    if (!redactor) return text;
    try {
      let pieces: Array<{ text: string; keep: boolean }> = [{ text, keep: false }];
      for (const label of this.labels) {
        pieces = pieces.flatMap((p) => (p.keep || !p.text.includes(label) ? [p] : split(p.text, label)));
      }
      return pieces.map((p) => (p.keep ? p.text : redactor.redactText(p.text))).join("");
    } catch {
      return "(message withheld: redaction failed)";
    }
  }

  /** The error itself when nothing needed redacting, else a redacted copy (message and stack). */
  sanitizeError(error: Error): Error {
    const message = this.sanitize(error.message);
    if (message === error.message) return error;
    const copy = new Error(message);
    copy.name = error.name;
    if (error.stack) copy.stack = this.sanitize(error.stack);
    return copy;
  }
}

function split(text: string, label: string): Array<{ text: string; keep: boolean }> {
  const out: Array<{ text: string; keep: boolean }> = [];
  const parts = text.split(label);
  parts.forEach((part, i) => {
    if (i > 0) out.push({ text: label, keep: true });
    if (part) out.push({ text: part, keep: false });
  });
  return out;
}
