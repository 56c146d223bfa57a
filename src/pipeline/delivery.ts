/**
 * A deliverer moves one source's events (one chain's spool, or a memory queue) to one remote sink:
 * it batches, sends with a time limit, retries with backoff and full jitter (honouring Retry-After),
 * dead-letters what the destination rejects for good, and only then acknowledges, so a crash at any
 * point re-sends at most the batch in flight (at-least-once; the event id is the idempotency key).
 *
 * Each sink has its own deliverers, so one slow or dead destination never holds up another, and
 * none of this runs on the agent's path: capture only wakes the deliverer up.
 */
import type { AuditEvent } from "../events/schema.js";
import { describeError } from "../shared/errors.js";
import type { DeliveryOptions, ItemResult, SendResult, Sink } from "../sinks/types.js";
import { fullJitterDelay, sleep } from "../shared/backoff.js";
import type { Batch, Source } from "./sources.js";

export const DEFAULT_DELIVERY: DeliveryOptions = {
  batchSize: 100,
  batchBytes: 1024 * 1024,
  lingerMs: 200,
  timeoutMs: 30_000,
  initialBackoffMs: 500,
  maxBackoffMs: 60_000,
};

export interface DelivererHooks {
  /** Reports a delivery problem (counted, and told to onError or a warning once per kind). */
  reportError(error: Error, kind: string): void;
  /** Writes permanently rejected events where an operator will find them (reasons already sanitized). */
  deadLetter(sink: string, entries: ReadonlyArray<{ event: AuditEvent; reason: string }>): Promise<void>;
  /** Records, as an event of its own, that a full queue or spool dropped events. */
  recordDropped(sink: string, count: number, reason: string): void;
  /** Makes a destination's error text safe to keep (redaction): last_error and dead-letter reasons. */
  sanitize(text: string): string;
  /** Stats shared by every deliverer of one sink. */
  readonly counters: DeliveryCounters;
}

export interface DeliveryCounters {
  delivered: number;
  dead_lettered: number;
  dropped: number;
  /** Attempts that failed and were retried. */
  retries: number;
  last_error?: string;
}

type Outcome = { delivered: number; deadLettered: number } | "stopped";

export class Deliverer {
  private stopped = false;
  private readonly stopController = new AbortController();
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private urgent = 0;
  private idleWaiters: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  /** The loop has ended (a dead chain read to its end): there is nothing left to wait for. */
  private ended = false;
  private inFailure = false;
  /** The wait for a small batch to fill, so a flush can cut it short. */
  private lingerAbort: AbortController | undefined;
  /** The attempt in flight, so a flush that runs out of time can abort it. */
  private inFlight: AbortController | undefined;
  /** Set when a flush gave up on the attempt in flight: the retry waits at least this long. */
  private interruptedPauseMs = 0;

  constructor(
    private readonly sink: Sink,
    readonly sinkName: string,
    readonly chainId: string,
    readonly source: Source,
    private readonly options: DeliveryOptions,
    private readonly hooks: DelivererHooks,
    private readonly onFinished?: () => void,
  ) {}

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  /** New events are waiting. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Resolves once the deliverer has nothing left to send (everything handed to it before the call
   * was delivered or dead-lettered), or after `timeoutMs`. Skips the linger while waiting.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    // A loop that already ended settles no more waiters: waiting for it would only burn the
    // caller's whole deadline (and a flush that runs out of time stops every other deliverer).
    if (this.stopped || !this.loop || this.ended) return true;
    this.urgent++;
    try {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      });
      this.wake();
      this.lingerAbort?.abort();
      const done = await Promise.race([idle, timeout]);
      clearTimeout(timer);
      return done;
    } finally {
      this.urgent--;
    }
  }

  /**
   * A flush or shutdown ran out of time: aborts the request in flight (its socket would keep the
   * process alive until `timeoutMs`) and pauses before the retry, so a process that wants to end
   * can. The batch was not acknowledged; it is sent again later, by this trail or the next.
   */
  interrupt(): void {
    if (!this.inFlight) return;
    this.interruptedPauseMs = Math.max(1_000, this.options.initialBackoffMs);
    this.inFlight.abort(new Error("flush deadline"));
  }

  /** Stops after the current attempt (an attempt in flight is aborted); nothing is acknowledged twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { batchSize, batchBytes, lingerMs } = this.options;
    let lingered = false;
    while (!this.stopped) {
      let batch: Batch | undefined;
      try {
        batch = await this.source.next(batchSize, batchBytes);
      } catch (err) {
        this.hooks.reportError(new Error(`sink "${this.sinkName}": cannot read the spool: ${describeError(err)}`), `spool:${this.sinkName}`);
        await sleep(this.options.initialBackoffMs, this.stopController.signal);
        continue;
      }
      this.reportDropped();
      if (!batch) {
        this.settleIdle();
        if (this.source.finished) break;
        await this.waitForWake();
        continue;
      }
      // A small batch waits a moment for company, unless someone is flushing.
      if (batch.events.length < batchSize && lingerMs > 0 && !lingered && this.urgent === 0) {
        this.source.rewind?.();
        lingered = true;
        // A flush that starts meanwhile cuts the wait short (drain aborts it), as does stop().
        const linger = (this.lingerAbort = new AbortController());
        const onStop = () => linger.abort();
        this.stopController.signal.addEventListener("abort", onStop, { once: true });
        await sleep(lingerMs, linger.signal);
        this.stopController.signal.removeEventListener("abort", onStop);
        this.lingerAbort = undefined;
        continue;
      }
      lingered = false;
      const outcome = await this.deliver(batch.events);
      if (outcome === "stopped") {
        this.source.rewind?.();
        break;
      }
      try {
        await this.source.commit(batch, outcome);
      } catch (err) {
        this.hooks.reportError(new Error(`sink "${this.sinkName}": cannot save its cursor: ${describeError(err)}`), `cursor:${this.sinkName}`);
      }
      this.reportDropped();
    }
    this.ended = true;
    this.settleIdle();
    if (this.source.finished) this.onFinished?.();
  }

  /** Has everything this deliverer will ever have been acknowledged (a dead chain read to its end)? */
  get finished(): boolean {
    return this.source.finished;
  }

  /** Counts what the source's full-queue policy dropped, and records it as an event. */
  private reportDropped(): void {
    const dropped = this.source.takeDropped();
    if (dropped > 0) {
      this.hooks.counters.dropped += dropped;
      this.hooks.recordDropped(this.sinkName, dropped, "the spool or queue was full");
    }
  }

  private settleIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private waitForWake(): Promise<void> {
    if (this.woken || this.stopped) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
    });
  }

  /** Sends until every event of the batch is delivered or dead-lettered (or delivery stops). */
  private async deliver(events: AuditEvent[]): Promise<Outcome> {
    let pending = events;
    let delivered = 0;
    let deadLettered = 0;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return "stopped";
      const result = await this.attempt(pending, attempt);
      if (this.stopped && !result.ok) return "stopped";
      if (result.ok) {
        delivered += pending.length;
        this.inFailure = false; // the next failure is news again
        break;
      }
      let retry: AuditEvent[];
      if (result.items && result.items.length === pending.length) {
        const items: ItemResult[] = result.items;
        const rejected = pending.filter((_, i) => !items[i]!.ok && !(items[i] as { retryable: boolean }).retryable);
        retry = pending.filter((_, i) => !items[i]!.ok && (items[i] as { retryable: boolean }).retryable);
        delivered += pending.filter((_, i) => items[i]!.ok).length;
        if (rejected.length) {
          await this.deadLetter(rejected.map((event) => ({ event, reason: (items[pending.indexOf(event)] as { error: string }).error })));
          deadLettered += rejected.length;
        }
      } else if (!result.retryable) {
        await this.deadLetter(pending.map((event) => ({ event, reason: result.error })));
        deadLettered += pending.length;
        retry = [];
      } else {
        retry = pending;
      }
      if (retry.length === 0) break;
      pending = retry;
      this.hooks.counters.retries++;
      this.hooks.counters.last_error = this.hooks.sanitize(result.error);
      if (!this.inFailure) {
        this.inFailure = true;
        this.hooks.reportError(new Error(`sink "${this.sinkName}" is failing, retrying with backoff: ${result.error}`), `delivery:${this.sinkName}`);
      }
      if (this.source.overCapacity()) {
        // The spool is full: keep the newest events, give up the oldest (this batch) and say so.
        this.hooks.counters.dropped += pending.length;
        this.hooks.recordDropped(this.sinkName, pending.length, "the spool or queue was full while the destination was failing");
        break;
      }
      // The destination's Retry-After is honoured as given (up to an hour); our own backoff is capped.
      let delay = result.retryAfterMs !== undefined ? Math.min(result.retryAfterMs, 3_600_000) : fullJitterDelay(attempt, this.options.initialBackoffMs, this.options.maxBackoffMs);
      if (this.interruptedPauseMs) {
        delay = Math.max(delay, this.interruptedPauseMs);
        this.interruptedPauseMs = 0;
      }
      const budget = this.options.maxElapsedMs;
      if (budget !== undefined && Date.now() + delay - started > budget) {
        await this.deadLetter(pending.map((event) => ({ event, reason: `retry budget of ${budget} ms used up after ${attempt} attempts; last error: ${result.error}` })));
        deadLettered += pending.length;
        break;
      }
      await sleep(delay, this.stopController.signal);
    }
    this.hooks.counters.delivered += delivered;
    return { delivered, deadLettered };
  }

  /** One send with a time limit; a throw, a hang or an abort becomes a retryable failure. */
  private async attempt(batch: AuditEvent[], attempt: number): Promise<SendResult> {
    const controller = new AbortController();
    const stop = this.stopController.signal;
    // The sink sees one signal: aborted on timeout, on an interrupted flush, or when delivery stops.
    const forwardStop = () => controller.abort(new Error("delivery stopped"));
    if (stop.aborted) forwardStop();
    else stop.addEventListener("abort", forwardStop, { once: true });
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    timer.unref();
    let onAbort: (() => void) | undefined;
    // A sink that ignores its signal still cannot hold delivery past the abort.
    const aborted = new Promise<SendResult>((resolve) => {
      onAbort = () => resolve({ ok: false, retryable: true, error: describeError(controller.signal.reason).replace(/^Error: /, "") });
      if (controller.signal.aborted) onAbort();
      else controller.signal.addEventListener("abort", onAbort, { once: true });
    });
    this.inFlight = controller;
    const batchId = `${this.chainId}:${batch[0]!.seq}-${batch[batch.length - 1]!.seq}:${batch.length}`;
    try {
      const sent = Promise.resolve()
        .then(() => this.sink.send(batch, { signal: controller.signal, batchId, attempt }))
        .catch((err: unknown): SendResult => ({ ok: false, retryable: true, error: describeError(err) }));
      const result = await Promise.race([sent, aborted]);
      // An abort that raced a late answer: the abort's reason says more than "aborted".
      return !result.ok && controller.signal.aborted ? await aborted : result;
    } finally {
      this.inFlight = undefined;
      clearTimeout(timer);
      stop.removeEventListener("abort", forwardStop);
      if (onAbort) controller.signal.removeEventListener("abort", onAbort);
    }
  }

  private async deadLetter(rejected: Array<{ event: AuditEvent; reason: string }>): Promise<void> {
    // A reason is the destination's words (a status line, a per-item error), which can quote what
    // it was sent, credentials included: it is kept redacted, like every other diagnostic.
    const entries = rejected.map((e) => ({ event: e.event, reason: this.hooks.sanitize(e.reason) }));
    this.hooks.counters.dead_lettered += entries.length;
    this.hooks.reportError(new Error(`sink "${this.sinkName}" rejected ${entries.length} event(s) for good (dead-lettered): ${entries[0]!.reason}`), `dead-letter:${this.sinkName}`);
    try {
      await this.hooks.deadLetter(this.sinkName, entries);
    } catch (err) {
      this.hooks.reportError(new Error(`sink "${this.sinkName}": cannot write its dead-letter file: ${describeError(err)}`), `dead-letter-file:${this.sinkName}`);
    }
  }
}
