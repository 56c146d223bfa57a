/**
 * The store interface: the questions teams ask of a trail, answered the same way by every store
 * (the JSONL trail, scanned; PostgreSQL, in SQL). The shared test suite runs both on one trail and
 * requires identical answers.
 */
import type { AuditEvent } from "../events/schema.js";

export interface EventFilter {
  sessionId?: string;
  userId?: string;
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  types?: string[];
  levels?: string[];
}

export interface ToolStat {
  tool: string;
  calls: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface DailyErrors {
  day: string;
  events: number;
  /** Events at level error. */
  errors: number;
  invocations: number;
  failed_invocations: number;
  /** failed_invocations / invocations (0 without invocations). */
  rate: number;
}

export interface ModelDay {
  day: string;
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost: number;
}

/** Model calls, tokens and cost of one user on one day (`user_id` is "(no user)" where none was set). */
export interface UserDay {
  day: string;
  user_id: string;
  calls: number;
  total_tokens: number;
  cost: number;
}

/** What a model call without a user counts under in `userUsage`. */
export const NO_USER = "(no user)";

export interface HourVolume {
  hour: string;
  events: number;
  /** Median of the preceding hours in range (up to 24); null for the first hour. */
  baseline: number | null;
  spike: boolean;
}

export interface SpikeRule {
  /** A spike is at least this many times the baseline (default 3). */
  factor: number;
  /** …and at least this many events (default 50), so quiet hours do not alarm. */
  minEvents: number;
}

export interface EventOrder {
  ordered?: boolean;
}

/** One session in the viewer's list: what happened in it, and a little text to recognise it by. */
export interface SessionRow {
  session_id: string;
  /** The user of the session's earliest event that names one (time, then seq, then id). */
  user_id?: string;
  start: string;
  end: string;
  duration_ms: number;
  runs: number;
  model_calls: number;
  tool_calls: number;
  tokens: number;
  cost: number;
  errors: number;
  /** A little text to search in: the earliest user input. */
  preview?: string;
}

/** Where a page of sessions starts: after the row with this last activity and id. */
export interface SessionsPosition {
  end: string;
  id: string;
}

/**
 * Which sessions, and which page of them: sessions are ordered by last activity, newest first,
 * then by id. Only `userId`, `since` and `until` of the filter apply (to the events counted).
 */
export interface SessionQuery extends EventFilter {
  limit: number;
  after?: SessionsPosition;
  /** Only sessions with at least one error. */
  errorsOnly?: boolean;
  /** Case-insensitive, in the id, the user and every user input. */
  text?: string;
}

export interface SessionsAnswer {
  sessions: SessionRow[];
  /** Whether rows follow this page. */
  more: boolean;
  /** How many sessions match, over all pages. */
  total: number;
}

export interface AuditStore {
  /**
   * Events matching the filter, in the order they happened (time, then chain sequence). With
   * `{ ordered: false }` they come in storage order instead, streamed: for aggregates that do not
   * need the order, so that a large trail is never held in memory to be sorted.
   */
  events(filter?: EventFilter, options?: EventOrder): AsyncIterable<AuditEvent>;
  toolStats(filter?: EventFilter): Promise<ToolStat[]>;
  errorRate(filter?: EventFilter): Promise<DailyErrors[]>;
  modelUsage(filter?: EventFilter): Promise<ModelDay[]>;
  /** Model calls, tokens and cost per user and day (numbers only where `data` holds numbers). */
  userUsage(filter?: EventFilter): Promise<UserDay[]>;
  volume(filter?: EventFilter, rule?: Partial<SpikeRule>): Promise<HourVolume[]>;
  /**
   * A page of session summaries, computed where the data is (PostgreSQL: GROUP BY). Optional:
   * without it the viewer builds the same rows from one streaming scan of `events`.
   */
  sessions?(query: SessionQuery): Promise<SessionsAnswer>;
  close(): Promise<void>;
}
