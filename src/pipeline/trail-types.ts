/**
 * What a trail reports back: per-sink stats, the results of flush, shutdown and erasure, and the
 * default level of each event type a manual `record()` leaves unset.
 */
import type { EventType, Level } from "../events/schema.js";

export interface SinkStats {
  /** Events the sink accepted. */
  delivered: number;
  /** Local sinks: events an asynchronous sink reported failed. Remote sinks: events dead-lettered. */
  failed: number;
  /** Remote sinks: events dropped by a full queue or spool. Local sinks: events given up while the sink could not write (declared by a trail.gap record). */
  dropped: number;
  /** Local sinks: write attempts that failed (a full disk...). */
  write_failures?: number;
  /** Local sinks: events waiting in memory until the sink can write again. */
  buffered?: number;
  /** Remote sinks: attempts that failed and were retried. */
  retries?: number;
  /** Remote sinks: events recorded by this process not yet delivered or dead-lettered. */
  pending?: number;
  last_error?: string;
}

export interface ErasureReport {
  events: number;
  files: string[];
  traces: string[];
  /** Per remote sink: "done: …", "failed: …" or "manual: …". */
  forwarded: Record<string, string>;
}

export interface FlushResult {
  /** Every event recorded before the call reached every sink (or its dead-letter file). */
  complete: boolean;
  /**
   * Per sink with something still waiting: remote sinks' undelivered events (they stay in the
   * spool for this trail to retry, or the next trail on the directory), local sinks' events held
   * in memory because they could not be written yet. Sinks with nothing waiting show 0. A dead
   * writer's chain this trail took over and has not read to its end counts at least 1.
   */
  pending: Record<string, number>;
  /** true when `timeoutMs` ran out before everything settled. */
  timed_out?: boolean;
}

export interface ShutdownResult extends FlushResult {
  /** Where the undelivered events wait (a later trail on the same directory delivers them). */
  spool: string | undefined;
  dead_lettered: Record<string, number>;
}

import type { WitnessStats } from "../witness/queue.js";

export interface TrailStats {
  chain_id: string;
  /** Events sealed and handed to the sinks. */
  recorded: number;
  /** Events below the trail's level, not recorded by design. */
  filtered: number;
  /** Events that arrived after shutdown and could not be recorded. */
  dropped: number;
  /** Failures inside the handler or pipeline itself (never thrown into the agent). */
  internal_errors: number;
  sinks: Record<string, SinkStats>;
  /** Remote witnesses (S3, HTTP) by label: checkpoints pending, witnessed, failed attempts. */
  witnesses?: Record<string, WitnessStats>;
}

/** The default level of each event type when a manual `record()` names none. */
export const DEFAULT_LEVEL: Record<EventType, Level> = {
  input: "info",
  output: "info",
  reasoning: "debug",
  llm_start: "debug",
  llm_end: "debug",
  llm_error: "error",
  tool_start: "info",
  tool_end: "info",
  tool_error: "error",
  chain_start: "trace",
  chain_end: "trace",
  chain_error: "error",
  retriever_start: "info",
  retriever_end: "info",
  retriever_error: "error",
  policy: "warn",
  custom: "info",
};
