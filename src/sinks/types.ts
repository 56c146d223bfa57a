/**
 * The one interface every destination implements, as small as OpenTelemetry's `SpanExporter`:
 * a sink turns a batch of sealed events into its destination's wire format and says how it went.
 * Sinks never retry or buffer on their own; the delivery layer does that once, around every
 * remote sink (src/pipeline/delivery.ts).
 */
import type { AuditEvent } from "../events/schema.js";

/** The verdict on one event of a batch, for destinations that report per item (bulk APIs). */
export type ItemResult = { ok: true } | { ok: false; retryable: boolean; error: string };

export type SendResult =
  | { ok: true }
  | {
      ok: false;
      /** true: try again later (network error, 408, 429, 5xx); false: never will succeed. */
      retryable: boolean;
      /** The destination asked for this much patience (Retry-After). */
      retryAfterMs?: number;
      /** Why, in words; already free of event content and credentials. */
      error: string;
      /** Per-event verdicts, in batch order, when the destination gives them. */
      items?: ItemResult[];
    };

export interface SendContext {
  /** Aborted when the attempt times out or the trail shuts down. */
  signal: AbortSignal;
  /** Stable for one batch across retries and restarts: the destination's idempotency key. */
  batchId: string;
  /** 1 for the first attempt. */
  attempt: number;
}

/** How the delivery layer batches and retries for one sink. */
export interface DeliveryOptions {
  /** Most events in one batch (default 100). */
  batchSize: number;
  /** Most bytes of JSON in one batch (default 1 MiB). */
  batchBytes: number;
  /** How long to wait for a batch to fill before sending what there is (default 200 ms). */
  lingerMs: number;
  /** One attempt's time limit (default 30 s); a hung destination counts as a retryable failure. */
  timeoutMs: number;
  /** First retry delay; doubles each attempt with full jitter (default 500 ms). */
  initialBackoffMs: number;
  /** Longest retry delay (default 60 s). */
  maxBackoffMs: number;
  /**
   * Retry budget: give a batch up (dead letter) after this long. Default: no limit, keep retrying
   * while the spool has room.
   */
  maxElapsedMs?: number;
}

export interface Sink {
  /** Names the sink in stats, file names and error messages, e.g. "jsonl" or "webhook". */
  readonly name: string;
  /**
   * "local": written on the agent's thread as each event is sealed (JSONL, memory, console).
   * "remote" (the default for sinks that do not say): delivered in the background from the
   * durable spool, with batching, retry and dead letters.
   */
  readonly kind?: "local" | "remote";
  /**
   * Where a remote sink delivers (a URL). Configuration, not personal data: diagnostics name it by
   * scheme, host and port (never userinfo, path or query), and redaction leaves that label alone.
   */
  readonly endpoint?: string;
  /** The sink's own defaults for batching and retry (e.g. a bulk API's bigger batches). */
  readonly defaultDelivery?: Partial<DeliveryOptions>;
  /**
   * What the user set on this sink. Precedence, lowest first: the built-in defaults, the sink's
   * `defaultDelivery`, the trail's `delivery` option, then this.
   */
  readonly delivery?: Partial<DeliveryOptions>;
  /** Delivers a batch. Local sinks answer synchronously; remote ones with a promise. */
  send(batch: readonly AuditEvent[], context?: SendContext): SendResult | Promise<SendResult>;
  /**
   * Right to erasure at the destination: delete these traces (root run ids). Sinks whose
   * destination has no deletion API leave it out, and erasure reports them as a manual step.
   */
  erase?(traceIds: readonly string[]): Promise<{ ok: boolean; detail: string }>;
  /**
   * Called once by the trail with where its local files are, for sinks that also ship integrity
   * material (the S3 archive uploads the signed checkpoints beside the data).
   */
  attach?(info: { trailDir: string | undefined; chainId: string }): void;
  /** Makes everything sent so far durable or delivered. */
  flush?(): void | Promise<void>;
  /** Releases files, sockets and timers. No `send` follows. */
  close?(): void | Promise<void>;
}

export const OK: SendResult = Object.freeze({ ok: true as const });

export const isRemote = (sink: Sink) => sink.kind !== "local";
