/**
 * The one interface every destination implements, as small as OpenTelemetry's `SpanExporter`:
 * a sink turns a batch of sealed events into its destination's wire format and says how it went.
 * Sinks never retry or buffer on their own; the pipeline does that once, around every sink.
 */
import type { AuditEvent } from "../events/schema.js";

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      /** true: try again later (network error, 408, 429, 5xx); false: never will succeed. */
      retryable: boolean;
      /** The destination asked for this much patience (Retry-After). */
      retryAfterMs?: number;
      /** Why, in words; already free of event content. */
      error: string;
    };

export interface Sink {
  /** Names the sink in stats and error messages, e.g. "jsonl" or "langfuse". */
  readonly name: string;
  /** Delivers a batch. May answer synchronously (local sinks) or with a promise (remote ones). */
  send(batch: readonly AuditEvent[]): SendResult | Promise<SendResult>;
  /** Makes everything sent so far durable or delivered. */
  flush?(): void | Promise<void>;
  /** Releases files, sockets and timers. No `send` follows. */
  close?(): void | Promise<void>;
}

export const OK: SendResult = Object.freeze({ ok: true as const });
