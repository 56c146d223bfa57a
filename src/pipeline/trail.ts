/**
 * AuditTrail: the only place that knows both ends exist. Capture hands it unsealed events; it
 * filters them by level, seals them (id, time, sequence, chain) and routes them to every sink.
 *
 * Everything here runs on the agent's thread, so it does the minimum: no validation of events it
 * built itself (the schema is enforced at the `record()` boundary and in tests), one object per
 * event, and sinks that answer synchronously (JSONL, memory, console) finish before `emit` returns.
 */
import { SCHEMA_VERSION, manualEventSchema, type AuditEvent, type Level, type ManualEvent, type UnsealedEvent, type EventType } from "../events/schema.js";
import { uuidv7 } from "../events/ids.js";
import { DEFAULT_LIMITS, toJson, describeError, type SerializeLimits } from "../capture/serialize.js";
import { AuditCallbackHandler, type AuditHandlerOptions } from "../capture/handler.js";
import { jsonlSink } from "../sinks/jsonl.js";
import type { Sink, SendResult } from "../sinks/types.js";
import { levelRank } from "./levels.js";
import { createRedactor, type Redactor } from "../redact/redactor.js";
import type { RedactionOptions } from "../redact/options.js";
import { parseOptions, trailOptionsSchema, failConfig, type AuditTrailOptions, type TrailContext } from "./options.js";

export interface SinkStats {
  delivered: number;
  failed: number;
  dropped: number;
}

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
}

/** The default level of each event type when a manual `record()` names none. */
const DEFAULT_LEVEL: Record<EventType, Level> = {
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

interface SinkSlot {
  sink: Sink;
  name: string;
  stats: SinkStats;
}

export class AuditTrail {
  readonly chainId: string = uuidv7();
  readonly level: Level;
  readonly context: Readonly<TrailContext>;
  readonly slowToolMs: number;
  readonly limits: SerializeLimits;

  private readonly minRank: number;
  private readonly slots: SinkSlot[];
  private readonly onError: ((error: Error) => void) | undefined;
  /** Undefined only when the user turned redaction off explicitly (`redaction: false`). */
  readonly redactor: Redactor | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly warned = new Set<string>();
  private seq = 0;
  private counts = { recorded: 0, filtered: 0, dropped: 0, internal_errors: 0 };
  private closed = false;

  constructor(options: AuditTrailOptions = {}) {
    const opts = parseOptions("createAuditTrail", trailOptionsSchema, options);
    this.level = opts.level ?? "debug";
    this.minRank = levelRank(this.level);
    this.context = Object.freeze({ ...opts.context });
    this.slowToolMs = opts.slowToolMs ?? 10_000;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.onError = opts.onError;
    this.redactor = opts.redaction === false ? undefined : createRedactor(opts.redaction as RedactionOptions | undefined);
    const sinks = opts.sinks ?? [jsonlSink()];
    if (sinks.length === 0) failConfig("createAuditTrail: sinks is empty, so nothing would be recorded. Fix: leave sinks out for the JSONL default, or pass at least one sink.");
    const seen = new Map<string, number>();
    this.slots = sinks.map((sink) => {
      const n = (seen.get(sink.name) ?? 0) + 1;
      seen.set(sink.name, n);
      return { sink, name: n === 1 ? sink.name : `${sink.name}#${n}`, stats: { delivered: 0, failed: 0, dropped: 0 } };
    });
  }

  /** A LangChain callback handler recording into this trail. */
  handler(options: Omit<AuditHandlerOptions, "trail"> = {}): AuditCallbackHandler {
    return new AuditCallbackHandler({ ...options, trail: this });
  }

  /** Would an event at `level` be recorded? Capture asks first, so filtered events cost nothing. */
  isEnabled(level: Level): boolean {
    return levelRank(level) >= this.minRank;
  }

  /** Counts an event that was not recorded because of the level. */
  countFiltered(): void {
    this.counts.filtered++;
  }

  /**
   * Records a manual event (an approval, a business decision, a policy verdict...). Envelope
   * fields the trail owns (id, ts, seq, chain, hashes) are assigned here. Returns the sealed event,
   * or undefined when the trail's level filters it out.
   */
  record(event: ManualEvent): AuditEvent | undefined {
    const parsed = manualEventSchema.safeParse(event);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`).join("; ");
      throw new TypeError(`agent-audit-trail: trail.record() got an invalid event: ${detail}`);
    }
    const e = parsed.data;
    const level = e.level ?? DEFAULT_LEVEL[e.type];
    if (!this.isEnabled(level)) {
      this.countFiltered();
      return undefined;
    }
    const tags = e.tags ?? this.context.tags;
    const metadata = e.metadata ?? this.context.metadata;
    return this.emit({
      level,
      type: e.type,
      session_id: e.session_id ?? this.context.sessionId,
      user_id: e.user_id ?? this.context.userId,
      trace_id: e.trace_id,
      run_id: e.run_id,
      parent_run_id: e.parent_run_id,
      name: e.name,
      tags: tags && tags.length ? [...tags] : undefined,
      metadata: metadata ? (toJson(metadata, this.limits) as Record<string, unknown>) : undefined,
      data: (toJson(e.data ?? {}, this.limits) as Record<string, unknown>) ?? {},
      duration_ms: e.duration_ms,
      status: e.status,
    });
  }

  /**
   * Seals an event built by capture and routes it to every sink. The caller has already checked
   * the level. Returns the sealed event (undefined after shutdown, when it is counted as dropped).
   */
  emit(unredacted: UnsealedEvent): AuditEvent | undefined {
    if (this.closed) {
      this.counts.dropped++;
      this.warnOnce("closed", "agent-audit-trail: an event arrived after trail.shutdown() and was dropped (counted in stats().dropped).");
      return undefined;
    }
    let e = unredacted;
    if (this.redactor) {
      try {
        e = this.redactor.redactEvent(unredacted);
      } catch (err) {
        // Never let unredacted content through: record that the event existed, not what it held.
        this.reportError(new Error(`redaction failed: ${describeError(err)}`), "redaction");
        e = { ...unredacted, name: undefined, tags: undefined, metadata: undefined, data: { redaction_failed: true } };
      }
    }
    const time = e.time ?? Date.now();
    // Fixed key order: the envelope reads the same in every file.
    const event: AuditEvent = {
      schema_version: SCHEMA_VERSION,
      id: uuidv7(time),
      ts: new Date(time).toISOString(),
      seq: ++this.seq,
      level: e.level,
      type: e.type,
    } as AuditEvent;
    if (e.session_id !== undefined) event.session_id = e.session_id;
    if (e.user_id !== undefined) event.user_id = e.user_id;
    if (e.trace_id !== undefined) event.trace_id = e.trace_id;
    if (e.run_id !== undefined) event.run_id = e.run_id;
    if (e.parent_run_id !== undefined) event.parent_run_id = e.parent_run_id;
    if (e.name !== undefined) event.name = e.name;
    if (e.tags !== undefined) event.tags = e.tags;
    if (e.metadata !== undefined) event.metadata = e.metadata;
    event.data = e.data;
    if (e.duration_ms !== undefined) event.duration_ms = e.duration_ms;
    if (e.status !== undefined) event.status = e.status;
    if (e.redactions !== undefined) event.redactions = e.redactions;
    event.chain_id = this.chainId;
    this.counts.recorded++;
    this.route(event);
    return event;
  }

  private route(event: AuditEvent): void {
    const batch = [event];
    for (const slot of this.slots) {
      let result: SendResult | Promise<SendResult>;
      try {
        result = slot.sink.send(batch);
      } catch (err) {
        this.sinkFailed(slot, 1, describeError(err));
        continue;
      }
      if (isPromise(result)) {
        const p = result.then(
          (r) => this.settle(slot, 1, r),
          (err) => this.sinkFailed(slot, 1, describeError(err)),
        );
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
      } else {
        this.settle(slot, 1, result);
      }
    }
  }

  private settle(slot: SinkSlot, count: number, result: SendResult): void {
    if (result.ok) slot.stats.delivered += count;
    else this.sinkFailed(slot, count, result.error);
  }

  private sinkFailed(slot: SinkSlot, count: number, reason: string): void {
    slot.stats.failed += count;
    this.reportError(new Error(`sink "${slot.name}" failed: ${reason}`), `sink:${slot.name}`);
  }

  /**
   * Counts an internal failure and tells someone: the onError option, or one process warning per
   * kind of failure. Never throws.
   */
  reportError(raw: Error, kind: string): void {
    this.counts.internal_errors++;
    // Error messages quote the data that caused them; they leave the process redacted too.
    const error = this.redactor ? redactError(raw, this.redactor) : raw;
    try {
      if (this.onError) this.onError(error);
      else this.warnOnce(kind, `agent-audit-trail: ${error.message} (further ${kind} failures are counted in trail.stats())`);
    } catch {
      // an onError that throws must not break the agent either
    }
  }

  private warnOnce(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    process.emitWarning(message, { code: "AGENT_AUDIT_TRAIL" });
  }

  /** Waits until every event recorded so far is written or delivered by every sink. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    await Promise.all(
      this.slots.map(async (slot) => {
        try {
          await slot.sink.flush?.();
        } catch (err) {
          this.reportError(new Error(`sink "${slot.name}" flush failed: ${describeError(err)}`), `flush:${slot.name}`);
        }
      }),
    );
  }

  /** Flushes, then closes every sink. Events recorded afterwards are dropped and counted. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        try {
          await slot.sink.close?.();
        } catch (err) {
          this.reportError(new Error(`sink "${slot.name}" close failed: ${describeError(err)}`), `close:${slot.name}`);
        }
      }),
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): TrailStats {
    const sinks: Record<string, SinkStats> = {};
    for (const slot of this.slots) sinks[slot.name] = { ...slot.stats };
    return { chain_id: this.chainId, ...this.counts, sinks };
  }
}

function redactError(error: Error, redactor: Redactor): Error {
  try {
    const message = redactor.redactText(error.message);
    if (message === error.message) return error;
    const copy = new Error(message);
    copy.name = error.name;
    if (error.stack) copy.stack = redactor.redactText(error.stack);
    return copy;
  } catch {
    return new Error("(error message withheld: redaction failed)");
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as Promise<T>)?.then === "function";
}

/** Creates a trail: `createAuditTrail({ sinks, level, context })`. */
export function createAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  return new AuditTrail(options);
}
