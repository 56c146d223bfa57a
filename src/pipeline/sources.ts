/**
 * Where a remote sink's deliverer takes its events from: the durable spool on disk (one chain's
 * JSONL segments and a committed cursor), or, on hosts without a writable disk, a bounded queue in
 * memory. Both hand out batches and take acknowledgements; both count what their policy drops.
 */
import type { AuditEvent } from "../events/schema.js";
import { readFrom } from "../format/cursor-reader.js";
import { backlogBytes, saveCursor, type Cursor, type CursorRecord, readCursor, initCursor } from "../format/trail-format.js";

export interface Batch {
  events: AuditEvent[];
  /** Opaque position after this batch, handed back to `commit`. */
  end: unknown;
}

export interface Source {
  /** The next batch after what was committed, or undefined when nothing is waiting. */
  next(maxEvents: number, maxBytes: number): Promise<Batch | undefined>;
  /** Acknowledges a batch: it will not be handed out again, even after a restart. */
  commit(batch: Batch, outcome: { delivered: number; deadLettered: number }): Promise<void>;
  /** Puts the batch handed out but not committed back, to be handed out again. */
  rewind?(): void;
  /** Events dropped by the full-queue policy since the last call (and resets the count). */
  takeDropped(): number;
  /** The backlog is over its limit: the batch in flight should be given up rather than retried. */
  overCapacity(): boolean;
  /** A dead chain read to its end: nothing more will come. */
  readonly finished: boolean;
  /** Counts for stats. */
  readonly delivered: number;
  readonly deadLettered: number;
  readonly torn: number;
}

/** One writer chain's events on disk, from a sink's committed cursor. */
export class SpoolSource implements Source {
  private record: CursorRecord;
  /** Read ahead of the committed cursor (what the current batch covers). */
  private readPosition: Cursor;
  private dropped = 0;
  torn = 0;
  finished = false;

  constructor(
    private readonly dir: string,
    private readonly sink: string,
    private readonly chainId: string,
    /** Is the chain finished being written (a dead process's chain)? */
    private readonly dead: boolean,
    /** Backlog above which the oldest undelivered events are skipped (the spool is full). */
    private readonly maxBacklogBytes: number,
    /** Turns a stored line back into the event (decryption at rest). */
    private readonly decode?: (e: AuditEvent) => AuditEvent,
  ) {
    this.record = dead ? (readCursor(dir, sink, chainId) ?? initCursor(dir, sink, chainId)) : initCursor(dir, sink, chainId);
    this.readPosition = { segment: this.record.segment, offset: this.record.offset };
  }

  get delivered() {
    return this.record.delivered;
  }
  get deadLettered() {
    return this.record.dead_lettered;
  }
  get cursor(): Cursor {
    return { segment: this.record.segment, offset: this.record.offset };
  }

  async next(maxEvents: number, maxBytes: number): Promise<Batch | undefined> {
    await this.enforceCapacity();
    const read = await readFrom(this.dir, this.chainId, this.readPosition, maxEvents, maxBytes, this.dead, this.decode);
    this.torn += read.torn;
    if (read.events.length === 0) {
      // Only skipped lines (torn or bad): acknowledge them so they are not read again.
      if (read.next.segment !== this.readPosition.segment || read.next.offset !== this.readPosition.offset) {
        this.readPosition = read.next;
        await this.persist(read.next, 0, 0);
      }
      if (this.dead) this.finished = true;
      return undefined;
    }
    this.readPosition = read.next;
    return { events: read.events, end: read.next };
  }

  async commit(batch: Batch, outcome: { delivered: number; deadLettered: number }): Promise<void> {
    await this.persist(batch.end as Cursor, outcome.delivered, outcome.deadLettered);
  }

  /** Puts a batch back (delivery stopped before it was acknowledged): read it again next time. */
  rewind(): void {
    this.readPosition = { segment: this.record.segment, offset: this.record.offset };
  }

  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  private async persist(to: Cursor, delivered: number, deadLettered: number, dropped = 0): Promise<void> {
    this.record = {
      segment: to.segment,
      offset: to.offset,
      delivered: this.record.delivered + delivered,
      dead_lettered: this.record.dead_lettered + deadLettered,
      dropped: this.record.dropped + dropped,
      updated: new Date().toISOString(),
    };
    await saveCursor(this.dir, this.sink, this.chainId, this.record);
  }

  overCapacity(): boolean {
    return backlogBytes(this.dir, this.chainId, this.cursor) > this.maxBacklogBytes;
  }

  /** Full spool: skip (and count) the oldest undelivered events until the backlog fits again. */
  private async enforceCapacity(): Promise<void> {
    // Whole bytes: a fractional length would reach fs.read (maxBytes × 0.9) and fail every read.
    let excess = Math.ceil(backlogBytes(this.dir, this.chainId, this.readPosition) - this.maxBacklogBytes * 0.9);
    if (excess <= this.maxBacklogBytes * 0.1) return; // within the limit
    let skipped = 0;
    while (excess > 0) {
      const read = await readFrom(this.dir, this.chainId, this.readPosition, 1000, Math.max(1, excess), this.dead);
      const moved = read.next.segment !== this.readPosition.segment || read.next.offset !== this.readPosition.offset;
      if (!moved) break;
      skipped += read.events.length;
      excess -= read.bytes || 1;
      this.readPosition = read.next;
    }
    this.dropped += skipped;
    await this.persist(this.readPosition, 0, 0, skipped);
  }
}

/** The name of the event recorded when a full queue or spool dropped events. */
export const DROP_NOTICE = "delivery.dropped";

/** Memory-only delivery: a bounded queue; when full, the oldest events are dropped and counted. */
export class MemorySource implements Source {
  private readonly queue: AuditEvent[] = [];
  private inFlight = 0;
  private dropped = 0;
  delivered = 0;
  deadLettered = 0;
  readonly torn = 0;
  readonly finished = false;

  constructor(private readonly maxEvents: number) {}

  push(event: AuditEvent): void {
    this.queue.push(event);
    // A notice that events were dropped is never itself dropped (it is what makes drops visible).
    if (event.name === DROP_NOTICE) return;
    // Never drop what is being delivered right now; drop the oldest waiting event instead.
    if (this.queue.length > this.maxEvents) {
      let i = this.inFlight;
      while (i < this.queue.length && this.queue[i]!.name === DROP_NOTICE) i++;
      if (i < this.queue.length - 1) {
        this.queue.splice(i, 1);
        this.dropped++;
      }
    }
  }

  get backlog(): number {
    return this.queue.length;
  }

  async next(maxEvents: number, maxBytes: number): Promise<Batch | undefined> {
    if (this.queue.length === 0) return undefined;
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < maxEvents) {
      bytes += JSON.stringify(this.queue[n]).length;
      if (n > 0 && bytes > maxBytes) break;
      n++;
    }
    this.inFlight = n;
    return { events: this.queue.slice(0, n), end: n };
  }

  async commit(batch: Batch, outcome: { delivered: number; deadLettered: number }): Promise<void> {
    this.queue.splice(0, batch.end as number);
    this.inFlight = 0;
    this.delivered += outcome.delivered;
    this.deadLettered += outcome.deadLettered;
  }

  rewind(): void {
    this.inFlight = 0;
  }

  overCapacity(): boolean {
    return this.queue.length > this.maxEvents;
  }

  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}
