/**
 * Local sinks (JSONL, memory, console) are written on the agent's thread, in order.
 *
 * Commit before effect: a sink that writes files gets events in batches, one `write(2)` per batch.
 * Capture calls the trail's `commit()` where the agent acts next (a tool, model or retriever
 * callback returns, whatever the level recorded there; a run returns to its caller), and the
 * trail marks events that commit by themselves (warn and above, a parentless run's end, a manual
 * or the trail's own record): everything sealed before such a point is on disk before the
 * callback returns. Between those points
 * events wait here, at most `MAX_PENDING` of them and at most `PENDING_MS`, and are written on
 * `flush()`, `shutdown()` and exit as well. So a `kill -9` can only lose the tail of a step that
 * has not acted yet. Other local sinks (memory, console) get each event at once.
 *
 * When a sink
 * cannot write (a full disk, a closed stream), its events wait in memory, up to a bound, and are
 * written first, in order, as soon as a write succeeds again (on the next event, a retry timer,
 * `flush()`, `shutdown()` or exit). Events that do not fit are given up, and the trail is told the
 * exact range (`Gap`) so it can seal a `trail.gap` record: `verify` then reports a declared gap,
 * never tampering. The agent never sees any of it.
 */
import type { AuditEvent } from "../events/schema.js";
import { describeError } from "../shared/errors.js";
import type { SendResult, Sink } from "../sinks/types.js";

export interface LocalSinkStats {
  /** Events the sink accepted. */
  delivered: number;
  /** Events an asynchronous local sink reported as failed. */
  failed: number;
  /** Events given up: they did not fit in memory while the sink could not write. */
  dropped: number;
  /** Write attempts that failed (a full disk, a closed stream...). */
  write_failures: number;
  /** Events waiting in memory for the sink to write again. */
  buffered: number;
  last_error?: string;
}

/** Events of one chain a local sink had to give up, as one contiguous range. */
export interface Gap {
  sink: string;
  first_seq: number;
  last_seq: number;
  count: number;
  /** `hash` of the last event given up: the event after the gap links to it. */
  last_hash: string | undefined;
  first_ts: string;
  last_ts: string;
  reason: string;
}

export interface LocalSlotHooks {
  reportError(error: Error, kind: string): void;
  /** A gap closed (everything since was written): seal a record declaring it. */
  gapClosed(gap: Gap): void;
  /** Makes a sink's error text safe to keep (redaction, endpoint labels excepted). */
  sanitize(text: string): string;
  /** A batch was written outside an event's routing (the batching timer): readers may look now. */
  committed?(): void;
}

const RETRY_MS = 1_000;
/** Most events a file sink holds before writing them, whatever comes next (≤ 32 × maxEventBytes). */
export const MAX_PENDING = 32;
/** Longest an event waits for its batch when nothing else happens (an idle process, a long tool). */
export const PENDING_MS = 100;

export class LocalSlot {
  readonly stats: LocalSinkStats = { delivered: 0, failed: 0, dropped: 0, write_failures: 0, buffered: 0 };
  /** Writes the stored (possibly encrypted) form: a file. Other local sinks get the plain event. */
  readonly writesFiles: boolean;
  private backlog: AuditEvent[] = [];
  private backlogBytes = 0;
  private gap: Gap | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly async = new Set<Promise<unknown>>();
  /** Sealed events not handed to the sink yet (file sinks only): the batch being collected. */
  private pending: AuditEvent[] = [];
  private pendingTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly sink: Sink,
    readonly name: string,
    private readonly maxBufferedBytes: number,
    private readonly hooks: LocalSlotHooks,
  ) {
    this.writesFiles = (sink as { dir?: string }).dir !== undefined;
  }

  /** Events not written yet: waiting in memory, or handed to an asynchronous sink that has not answered. */
  get unwritten(): number {
    return this.pending.length + this.backlog.length + this.inFlight;
  }
  private inFlight = 0;

  /** Nothing waits in memory and no gap is open: what the chain holds so far is on this sink. */
  get caughtUp(): boolean {
    return this.pending.length === 0 && this.backlog.length === 0 && this.gap === undefined;
  }

  /**
   * Takes one event. `commit`: the agent acts next, so this event and everything before it are
   * written now. Otherwise a file sink adds it to the batch being collected.
   */
  write(event: AuditEvent, commit = true): void {
    if (!this.writesFiles) return this.writeBatch([event]);
    this.pending.push(event);
    if (commit || this.pending.length >= MAX_PENDING) this.commit();
    else if (!this.pendingTimer) {
      this.pendingTimer = setTimeout(() => {
        this.pendingTimer = undefined;
        this.commit();
        this.hooks.committed?.();
      }, PENDING_MS);
      this.pendingTimer.unref();
    }
  }

  /**
   * Writes the batch being collected (flush, shutdown, exit and every commit point call this).
   * Returns whether there was anything to write.
   */
  commit(): boolean {
    if (this.pendingTimer) {
      clearTimeout(this.pendingTimer);
      this.pendingTimer = undefined;
    }
    if (this.pending.length === 0) return false;
    const batch = this.pending;
    this.pending = [];
    this.writeBatch(batch);
    return true;
  }

  /** Writes events in one send, after whatever is waiting; what cannot be written waits in order. */
  private writeBatch(batch: AuditEvent[]): void {
    if (this.backlog.length && !this.retryBacklog()) {
      for (const event of batch) this.hold(event, this.stats.last_error ?? "the sink is still failing");
      return;
    }
    const result = this.attempt(batch);
    if (result && !result.ok) {
      // A sink that reports per event (JSONL writing several segments) may have written a prefix.
      const written = result.items ? leadingOk(result.items) : 0;
      this.stats.delivered += written;
      for (const event of batch.slice(written)) this.hold(event, result.error);
      return;
    }
    this.closeGap();
  }

  /**
   * Writes what waits in memory (the retry timer, flush, shutdown and exit call this). Returns
   * true when nothing is left waiting. A gap is declared only after a write succeeded again.
   */
  retry(): boolean {
    if (!this.retryBacklog()) return false;
    this.commit();
    return this.backlog.length === 0;
  }

  private retryBacklog(): boolean {
    if (this.backlog.length === 0) return true;
    const batch = this.backlog;
    const result = this.attempt(batch);
    if (result && !result.ok) {
      // A sink that reports per event (JSONL writing several segments) may have written a prefix.
      const written = result.items ? leadingOk(result.items) : 0;
      if (written) {
        this.stats.delivered += written;
        this.clearBacklog(written);
      }
      return false;
    }
    this.clearBacklog(batch.length);
    this.closeGap();
    this.stopRetrying();
    return true;
  }

  /** Whether events were given up and not declared yet (shutdown declares them as a last try). */
  get gapOpen(): boolean {
    return this.gap !== undefined;
  }

  /** Hands an open gap to the trail to declare (after a successful write, or at shutdown). */
  closeGap(): void {
    if (!this.gap) return;
    const gap = this.gap;
    this.gap = undefined;
    this.hooks.gapClosed(gap);
  }

  /** Awaits what an asynchronous local sink still has in hand. */
  async settle(): Promise<void> {
    while (this.async.size) await Promise.allSettled([...this.async]);
  }

  stopRetrying(): void {
    if (this.retryTimer && this.backlog.length === 0) {
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  close(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.pendingTimer = undefined;
  }

  /** Sends a batch; undefined when it is fully written, else the failure (never throws). */
  private attempt(batch: AuditEvent[]): Extract<SendResult, { ok: false }> | { ok: true } | undefined {
    let result: SendResult | Promise<SendResult>;
    try {
      result = this.sink.send(batch);
    } catch (err) {
      result = { ok: false, retryable: true, error: describeError(err) };
    }
    if (isPromise(result)) {
      // An asynchronous local sink answers later; its failures are counted, not buffered.
      const n = batch.length;
      this.inFlight += n;
      const p = result.then(
        (r) => (r.ok ? (this.stats.delivered += n) : this.asyncFailed(n, r.error)),
        (err) => this.asyncFailed(n, describeError(err)),
      );
      void p.finally(() => (this.inFlight -= n));
      this.async.add(p);
      void p.finally(() => this.async.delete(p));
      return undefined;
    }
    if (result.ok) {
      this.stats.delivered += batch.length;
      return undefined;
    }
    this.stats.write_failures++;
    // The error goes on to stats() and into the trail.gap record, which, as the trail's own record,
    // is never redacted: a sink's error can quote its target and credentials, so it is redacted here.
    const error = this.hooks.sanitize(result.error);
    this.stats.last_error = error;
    this.hooks.reportError(new Error(`sink "${this.name}" cannot write: ${error}; events wait in memory and are written when it can`), `write:${this.name}`);
    return { ...result, error };
  }

  private asyncFailed(count: number, reason: string): void {
    this.stats.failed += count;
    this.stats.last_error = this.hooks.sanitize(reason);
    this.hooks.reportError(new Error(`sink "${this.name}" failed: ${reason}`), `sink:${this.name}`);
  }

  /** Keeps an event that could not be written, or gives it up (into the gap) when memory is full. */
  private hold(event: AuditEvent, reason: string): void {
    const bytes = approximateBytes(event);
    if (this.backlogBytes + bytes <= this.maxBufferedBytes && !this.gap) {
      this.backlog.push(event);
      this.backlogBytes += bytes;
      this.stats.buffered = this.backlog.length;
    } else {
      // Once one event is given up, every later one is too until the sink writes again: the
      // events that do reach it stay one contiguous run, and the gap one range.
      this.stats.dropped++;
      if (this.gap) {
        this.gap.last_seq = event.seq;
        this.gap.count++;
        this.gap.last_hash = event.hash;
        this.gap.last_ts = event.ts;
      } else {
        this.gap = { sink: this.name, first_seq: event.seq, last_seq: event.seq, count: 1, last_hash: event.hash, first_ts: event.ts, last_ts: event.ts, reason };
        this.hooks.reportError(new Error(`sink "${this.name}" could not write for too long: events are being given up (they will be declared by a trail.gap record); last error: ${reason}`), `gap:${this.name}`);
      }
    }
    if (!this.retryTimer) {
      this.retryTimer = setInterval(() => this.retry(), RETRY_MS);
      this.retryTimer.unref();
    }
  }

  private clearBacklog(n: number): void {
    for (const e of this.backlog.slice(0, n)) this.backlogBytes -= approximateBytes(e);
    this.backlog = this.backlog.slice(n);
    if (this.backlog.length === 0) this.backlogBytes = 0;
    this.stats.buffered = this.backlog.length;
  }
}

function leadingOk(items: ReadonlyArray<{ ok: boolean }>): number {
  let n = 0;
  while (n < items.length && items[n]!.ok) n++;
  return n;
}

/** Memory an event holds, roughly: its JSON length (computed only while a sink is failing). */
function approximateBytes(event: AuditEvent): number {
  try {
    return JSON.stringify(event).length;
  } catch {
    return 1024;
  }
}

function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as Promise<T>)?.then === "function";
}
