/**
 * The trail's pipeline: capture hands it unsealed events; it filters them by level, redacts,
 * bounds and seals them (id, time, sequence, chain) and routes them to every sink. It knows
 * nothing of LangChain: `capture/audit-trail.ts` extends it into the `AuditTrail` users create,
 * with the handler, the middleware and the snapshot of manual events' payloads.
 *
 * Everything here runs on the agent's thread, so it does the minimum: no validation of events it
 * built itself (the schema is enforced at the `record()` boundary and in tests), one object per
 * event, and sinks that answer synchronously (JSONL, memory, console) finish before `emit` returns.
 */
import type { KeyObject } from "node:crypto";
import type { AuditEvent, Level, ManualEvent, UnsealedEvent } from "../events/schema.js";
import { uuidv7 } from "../events/ids.js";
import { DEFAULT_LIMITS, type SerializeLimits } from "../limits/capture-limits.js";
import { boundEvent, captureStringLength, type EventLimits } from "../limits/bound-event.js";
import { describeError } from "../shared/errors.js";
import { parseOptions, failConfig } from "../shared/config.js";
import { jsonlSink, type JsonlSink } from "../sinks/jsonl.js";
import type { Sink } from "../sinks/types.js";
import { registerWriter, unregisterWriter } from "../format/trail-format.js";
import { acknowledgeTornTails } from "../integrity/recovery.js";
import { GAP_RECORD, RECOVERY_RECORD, type RecoveryData } from "../integrity/records.js";
import { Sealer } from "../integrity/seal.js";
import type { Checkpointer } from "../integrity/checkpoints.js";
import { encryptEvent } from "../integrity/encryption.js";
import { eraseUserInTrail } from "../integrity/erase.js";
import { appendAccess, currentActor } from "../integrity/access-log.js";
import type { WitnessSet } from "../witness/witnesses.js";
import { createRedactor, type Redactor } from "../redact/redactor.js";
import { parseKey } from "../redact/operators.js";
import type { RedactionOptions } from "../redact/options.js";
import { DEFAULT_PRICES, type ModelPrice } from "../pricing/prices.js";
import { DROP_NOTICE } from "./sources.js";
import type { Gap, LocalSinkStats, LocalSlot } from "./local-sinks.js";
import type { RemoteSlot } from "./remote-sinks.js";
import { buildSinkSlots, slotDir } from "./sink-slots.js";
import { sealDeadWriters, startIntegrity, type IntegrityContext } from "./integrity-setup.js";
import { buildEnvelope, commitsBeforeEffect } from "./envelope.js";
import { manualLevel, parseManualEvent, unsealedManual, type ManualEventContext } from "./manual-events.js";
import { forwardErasure } from "./erasure.js";
import type { ErasureReport, FlushResult, ShutdownResult, SinkStats, TrailStats } from "./trail-types.js";
export type { ErasureReport, FlushResult, ShutdownResult, SinkStats, TrailStats } from "./trail-types.js";
import { joinExit, leaveExit, type ExitParticipant } from "./exit-hooks.js";
import { Deadline } from "./deadline.js";
import { Diagnostics } from "./diagnostics.js";
import { levelRank } from "./levels.js";
import { trailOptionsSchema, type AuditTrailOptions, type TrailContext } from "./options.js";

export abstract class TrailPipeline {
  readonly chainId: string = uuidv7();
  readonly level: Level;
  readonly context: Readonly<TrailContext>;
  readonly slowToolMs: number;
  /** The limits every recorded event fits (applied after redaction, on every field). */
  readonly limits: EventLimits;
  /** What capture keeps before redaction: the same, with room for redaction to see secrets whole. */
  readonly captureLimits: SerializeLimits;

  private readonly minRank: number;
  private readonly slots: LocalSlot[];
  private readonly remotes: RemoteSlot[];
  /** The directory of the durable spool (undefined without remote sinks or in memory mode). */
  readonly spoolDir: string | undefined;
  private readonly onError: ((error: Error) => void) | undefined;
  /** Prices used to cost model calls whose provider reported no cost. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Undefined when `integrity: false`. */
  private readonly sealer: Sealer | undefined;
  /** One per directory this trail writes files into. */
  private readonly checkpointers: Checkpointer[] = [];
  /** Where signed checkpoints are also sent (integrity.witness). */
  private witnesses: WitnessSet | undefined;
  private fileDirs: string[] = [];
  /** Encryption at rest of the local trail (and spool). */
  readonly encryptionKey: Buffer | undefined;
  /** Undefined only when the user turned redaction off explicitly (`redaction: false`). */
  readonly redactor: Redactor | undefined;
  private readonly diagnostics: Diagnostics;
  private readonly warned = new Set<string>();
  private seq = 0;
  private counts = { recorded: 0, filtered: 0, dropped: 0, internal_errors: 0 };
  private closed = false;
  /** Gaps local sinks closed while an event was being routed: declared right after it. */
  private closedGaps: Gap[] = [];
  private routing = false;
  private readonly exitFlushMs: number;
  private readonly exit: ExitParticipant;
  private exitFlushed = false;
  private readonly writerDirs: string[] = [];
  /** Signs checkpoints and erasure records (undefined with `integrity: false`). */
  private signingKey: KeyObject | undefined;
  /** Dead writers' chains this trail signed a checkpoint for when it opened the directory (killed before sealing). */
  sealedChains: readonly string[] = [];
  /** Crash-torn tails of dead writers this trail acknowledged when it opened the directory. */
  recovered: readonly RecoveryData[] = [];

  constructor(options: AuditTrailOptions = {}) {
    const opts = parseOptions("createAuditTrail", trailOptionsSchema, options);
    this.level = opts.level ?? "debug";
    this.minRank = levelRank(this.level);
    this.context = Object.freeze({ ...opts.context });
    this.manualContext = { context: this.context, snapshot: (value) => this.snapshot(value), reportError: (error, kind) => this.reportError(error, kind) };
    this.slowToolMs = opts.slowToolMs ?? 10_000;
    const { maxBufferedBytes, ...limits } = opts.limits ?? {};
    this.limits = { ...DEFAULT_LIMITS, maxEventBytes: DEFAULT_MAX_EVENT_BYTES, ...limits };
    if (this.limits.maxEventBytes < this.limits.maxStringLength) {
      failConfig(`createAuditTrail: limits.maxEventBytes (${this.limits.maxEventBytes}) is smaller than limits.maxStringLength (${this.limits.maxStringLength}), so one string could never fit an event. Fix: raise maxEventBytes or lower maxStringLength.`);
    }
    this.captureLimits = { maxStringLength: captureStringLength(this.limits.maxStringLength), maxDepth: this.limits.maxDepth, maxItems: this.limits.maxItems, beforeRedaction: true };
    this.onError = opts.onError;
    this.exitFlushMs = opts.exitFlushMs ?? 2_000;
    this.redactor = opts.redaction === false ? undefined : createRedactor(opts.redaction as RedactionOptions | undefined);
    this.sealer = opts.integrity === false ? undefined : new Sealer();
    this.prices = { ...DEFAULT_PRICES, ...(opts.prices as Record<string, ModelPrice> | undefined) };
    if (opts.encryption) {
      try {
        this.encryptionKey = parseKey(opts.encryption.key, "encryption.key");
      } catch (err) {
        failConfig(`createAuditTrail: ${(err as Error).message}.`);
      }
    }
    const sinks = opts.sinks ?? [jsonlSink()];
    if (sinks.length === 0) failConfig("createAuditTrail: sinks is empty, so nothing would be recorded. Fix: leave sinks out for the JSONL default, or pass at least one sink.");
    this.diagnostics = new Diagnostics(sinks, this.redactor);
    const localHooks = {
      reportError: (error: Error, kind: string) => this.reportError(error, kind),
      sanitize: (text: string) => this.diagnostics.sanitize(text),
      gapClosed: (gap: Gap) => {
        this.closedGaps.push(gap);
        // Closed by the retry timer or a flush (not while an event is being routed): declare now.
        if (!this.routing) this.declareGaps();
      },
      committed: () => {
        for (const r of this.remotes) r.own.wake();
      },
    };
    const built = buildSinkSlots(sinks, opts, {
      chainId: this.chainId,
      maxBufferedBytes: maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      encryptionKey: this.encryptionKey,
      localHooks,
      reportError: (error, kind) => this.reportError(error, kind),
      sanitize: (text) => this.diagnostics.sanitize(text),
      recordDropped: (sinkName, count, reason) => {
        if (!this.closed) this.record({ type: "custom", level: "warn", name: DROP_NOTICE, data: { sink: sinkName, dropped: count, reason } });
      },
    });
    this.slots = built.local;
    this.remotes = built.remote;
    this.spoolDir = built.spoolDir;
    const trailDir = this.trailDir;
    // Every directory this trail writes files into (a JSONL sink's, the spool's): each gets this
    // chain's liveness, checkpoints and crash recovery, so none of them is a second-class trail.
    this.fileDirs = [...new Set(this.slots.filter((s) => s.writesFiles).map(slotDir))];
    for (const dir of this.fileDirs) {
      // Marks this chain as live, so no other trail mistakes its half-written last line for a crash.
      try {
        registerWriter(dir, this.chainId);
        this.writerDirs.push(dir);
      } catch (err) {
        this.reportError(new Error(`cannot register this trail's writer in ${dir}: ${describeError(err)}`), "writer");
      }
    }
    for (const r of this.remotes) {
      try {
        r.sink.attach?.({ trailDir, chainId: this.chainId });
      } catch (err) {
        this.reportError(new Error(`sink "${r.name}" attach failed: ${describeError(err)}`), `attach:${r.name}`);
      }
    }
    if (this.sealer && trailDir && opts.integrity !== false) {
      const options = opts.integrity ?? {};
      const sealer = this.sealer;
      const ctx: IntegrityContext = {
        chainId: this.chainId,
        trailDir,
        fileDirs: this.fileDirs,
        sealer,
        head: () => ({ seq: this.seq, hash: sealer.lastHash, root: sealer.treeRoot }),
        canWrite: (dir) => this.closedGaps.length === 0 && this.slots.every((s) => !s.writesFiles || slotDir(s) !== dir || s.caughtUp),
        reportError: (error, kind) => this.reportError(error, kind),
      };
      const integrity = startIntegrity(options, ctx);
      this.signingKey = integrity.signingKey;
      this.witnesses = integrity.witnesses;
      this.checkpointers.push(...integrity.checkpointers);
      for (const dir of this.fileDirs) this.acknowledgeCrashes(dir);
      this.sealedChains = sealDeadWriters(integrity, options, ctx);
    }
    this.exit = {
      handlesExit: opts.exitHandlers !== false,
      exitFlushMs: this.exitFlushMs,
      beforeExit: () => this.onBeforeExit(),
      onSignal: (timeoutMs) => this.shutdown({ timeoutMs }),
      exitSync: () => this.onExitSync(),
    };
    joinExit(this.exit);
  }

  /**
   * A writer that died mid-line left a torn tail in its chain: seal a `trail.recovery` record that
   * acknowledges exactly those bytes, so `verify` tells the crash from tampering and passes again.
   */
  private acknowledgeCrashes(dir: string): void {
    try {
      const acknowledged = acknowledgeTornTails(dir, this.chainId, (tail) => {
        this.emitSystem(RECOVERY_RECORD, "warn", { ...tail, reason: "the chain's writer died in the middle of writing its last line" });
        return this.slots.every((s) => !s.writesFiles || s.caughtUp);
      });
      this.recovered = [...this.recovered, ...acknowledged];
      // Signed at once: verify trusts an acknowledgment only under a signed checkpoint.
      if (acknowledged.length) this.writeCheckpoints();
    } catch (err) {
      this.reportError(new Error(`cannot check ${dir} for crash-torn lines: ${describeError(err)}`), "recovery");
    }
  }

  /** The event loop ran dry with no shutdown(): deliver what is waiting, once, within exitFlushMs. */
  private onBeforeExit(): void {
    if (this.closed || this.exitFlushed) return;
    this.exitFlushed = true;
    void this.flush({ timeoutMs: this.exitFlushMs }).then(() => this.writeCheckpoints());
  }

  /** The process is exiting: only synchronous work can still happen. */
  private onExitSync(): void {
    if (this.closed) return;
    for (const slot of this.slots) slot.retry();
    for (const c of this.checkpointers) c.close();
    for (const slot of this.slots) {
      if (slot.unwritten) this.reportError(new Error(`sink "${slot.name}": ${slot.unwritten} event(s) could not be written before the process exited and are lost`), `exit:${slot.name}`);
    }
    for (const dir of this.writerDirs) unregisterWriter(dir, this.chainId);
  }

  private writeCheckpoints(): void {
    for (const c of this.checkpointers) c.write();
  }

  /**
   * A plain-JSON snapshot of a manual event's payload within `captureLimits`, never throwing:
   * capture knows the values an agent's payloads hold (messages, documents, binary content).
   */
  protected abstract snapshot(value: unknown): unknown;

  /** Waits for the callbacks capture still has queued, so a flush sees their events. */
  protected abstract settleCallbacks(): Promise<void>;

  /**
   * Right to erasure: tombstones every event of `userId` in this trail's files (trail, spool,
   * dead letters) and asks each remote sink that supports deletion to delete the affected traces;
   * the others are listed as manual steps. The hash chain still verifies afterwards.
   */
  async eraseUser(userId: string, options: { actor?: string; reason?: string } = {}): Promise<ErasureReport> {
    const dir = this.trailDir;
    if (!dir) throw new Error("eraseUser: this trail has no files on disk (no jsonlSink or spool); nothing to erase here");
    const actor = options.actor ?? currentActor();
    appendAccess(dir, { actor, action: "erase", target: `user (${options.reason !== undefined ? this.diagnostics.sanitize(options.reason) : "no reason given"})` });
    // The reason is free text: it is redacted before it is stored anywhere.
    const reason = options.reason !== undefined ? this.diagnostics.sanitize(options.reason) : undefined;
    const local = eraseUserInTrail(dir, userId, { actor, reason, encryptionKey: this.encryptionKey, signingKey: this.signingKey });
    const forwarded = await forwardErasure(this.remotes, local.traces, (text) => this.diagnostics.sanitize(text));
    return { events: local.events, files: local.files, traces: local.traces, forwarded };
  }

  /** The directory of this trail's files (the JSONL sink's, or the spool's). */
  get trailDir(): string | undefined {
    return this.spoolDir ?? (this.slots.find((x) => x.sink.name === "jsonl" && x.writesFiles)?.sink as JsonlSink | undefined)?.dir;
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
    const e = parseManualEvent(event, this.manualContext);
    const level = manualLevel(e);
    if (!this.isEnabled(level)) {
      this.countFiltered();
      return undefined;
    }
    // A manual record (an approval, a decision) usually comes right before the effect it allows.
    return this.emit(unsealedManual(e, level, this.manualContext), true);
  }

  private readonly manualContext: ManualEventContext;

  /**
   * Seals an event built by capture and routes it to every sink. The caller has already checked
   * the level. Returns the sealed event (undefined after shutdown, when it is counted as dropped).
   */
  emit(unredacted: UnsealedEvent, commit = commitsBeforeEffect(unredacted)): AuditEvent | undefined {
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
    // Limits apply after redaction: a secret split by a cut would otherwise survive in pieces.
    try {
      e = boundEvent(e, this.limits);
    } catch (err) {
      this.reportError(new Error(`bounding an event failed: ${describeError(err)}`), "limits");
      e = { ...e, tags: undefined, metadata: undefined, data: { limits_failed: true }, truncated: ["data", "metadata", "tags"] };
    }
    return this.seal(e, false, commit);
  }

  /**
   * Commit point: every event sealed so far is written to the file sinks before this returns
   * (capture calls it where the agent is about to act; between such points events are batched).
   */
  commit(): void {
    try {
      let wrote = false;
      for (const slot of this.slots) wrote = slot.commit() || wrote;
      if (wrote) for (const r of this.remotes) r.own.wake();
    } catch (err) {
      this.reportError(new Error(`committing events failed: ${describeError(err)}`), "commit");
    }
  }

  /**
   * Records one of the trail's own records (a declared gap, an acknowledged crash): built here, so
   * neither redacted nor bounded, and never encrypted at rest, so `verify` can read it without a key.
   */
  private emitSystem(name: string, level: Level, data: Record<string, unknown>): AuditEvent | undefined {
    if (this.closed) return undefined;
    return this.seal({ level, type: "custom", name, data }, true, true);
  }

  /** `commit`: the agent acts after this event, so it is written to disk (with all before it) now. */
  private seal(e: UnsealedEvent, system: boolean, commit: boolean): AuditEvent {
    const event = buildEnvelope(e, ++this.seq, this.chainId);
    // Encrypted at rest: the chain commits to the ciphertext, so verify needs no key.
    const stored = this.encryptionKey && !system ? encryptEvent(event, this.encryptionKey) : event;
    if (this.sealer) {
      this.sealer.seal(stored);
      if (stored !== event) {
        event.salt = stored.salt;
        event.content_hash = stored.content_hash;
        event.prev_hash = stored.prev_hash;
        event.hash = stored.hash;
      }
    }
    this.counts.recorded++;
    this.routing = true;
    try {
      for (const slot of this.slots) slot.write(slot.writesFiles ? stored : event, commit);
    } finally {
      this.routing = false;
    }
    for (const c of this.checkpointers) c.sealed();
    for (const r of this.remotes) {
      if (r.memory) r.memory.push(event);
      r.own.wake();
    }
    if (this.closedGaps.length) this.declareGaps();
    return event;
  }

  /** Seals a `trail.gap` record for each range of events a local sink had to give up. */
  private declareGaps(): void {
    const gaps = this.closedGaps;
    this.closedGaps = [];
    for (const gap of gaps) {
      this.reportError(new Error(`sink "${gap.sink}" gave up ${gap.count} event(s) (seq ${gap.first_seq}–${gap.last_seq}) while it could not write; declared in a trail.gap record`), `gap-declared:${gap.sink}`);
      this.emitSystem(GAP_RECORD, "error", { ...gap });
    }
    // Signed at once: verify trusts a declaration only under a signed checkpoint.
    this.writeCheckpoints();
  }

  /**
   * Counts an internal failure and tells someone: the onError option, or one process warning per
   * kind of failure. Never throws.
   */
  reportError(raw: Error, kind: string): void {
    this.counts.internal_errors++;
    // Error messages quote the data that caused them; they leave the process redacted too.
    const error = this.diagnostics.sanitizeError(raw);
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

  /**
   * Waits until every event recorded so far is written by every local sink and delivered (or
   * dead-lettered) by every remote one: LangChain's queued callbacks first, then the sinks.
   * `timeoutMs` (default 30 s) bounds the whole call: when it runs out, requests in flight are
   * aborted and the result says what is still pending per sink. Nothing is lost then: it stays in
   * the spool (and is retried by this trail, or delivered by the next one on the directory). While
   * the call is pending it keeps the process alive, so `await trail.flush()` at the end of a script
   * really waits. Serverless: `await trail.flush({ timeoutMs })` before returning.
   */
  async flush(options: { timeoutMs?: number } = {}): Promise<FlushResult> {
    const deadline = new Deadline(options.timeoutMs ?? 30_000);
    try {
      return await this.flushWithin(deadline);
    } finally {
      deadline.clear();
    }
  }

  private async flushWithin(deadline: Deadline): Promise<FlushResult> {
    const callbacks = await deadline.race(
      this.settleCallbacks().catch((err: unknown) => this.reportError(new Error(`waiting for LangChain callbacks failed: ${describeError(err)}`), "flush:callbacks")),
    );
    if (callbacks === Deadline.EXPIRED) this.reportError(new Error("flush: LangChain callbacks were still running when timeoutMs ran out"), "flush:callbacks");
    for (const slot of this.slots) slot.retry();
    if (this.closedGaps.length) this.declareGaps();
    await deadline.race(Promise.all(this.slots.map((s) => s.settle())));
    await this.eachSink(this.slots, "flush", (sink) => sink.flush?.(), deadline);
    const deliverers = this.remotes.flatMap((r) => [r.own, ...r.adopted]);
    await Promise.all([...deliverers.map((d) => d.drain(deadline.left())), this.witnesses?.drain(deadline.left())]);
    if (deadline.expired) for (const d of deliverers) d.interrupt();
    else await this.eachSink(this.remotes, "flush", (sink) => sink.flush?.(), deadline);
    const pending = this.pendingBySink();
    const complete = Object.values(pending).every((n) => n === 0);
    return deadline.expired && !complete ? { complete, pending, timed_out: true } : { complete, pending };
  }

  /**
   * Flushes (waiting at most `timeoutMs`, default 10 s, for the whole call), then closes every
   * sink. Reports what is still undelivered and where it waits on disk: a later trail on the same
   * directory delivers it. Events recorded afterwards are dropped and counted.
   */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownResult> {
    this.shuttingDown ??= this.shutdownWithin(new Deadline(options.timeoutMs ?? 10_000));
    return this.shuttingDown;
  }
  private shuttingDown: Promise<ShutdownResult> | undefined;

  private async shutdownWithin(deadline: Deadline): Promise<ShutdownResult> {
    try {
      const flushed = await this.flushWithin(deadline);
      // Last chance to declare what a local sink gave up, while the trail can still record.
      for (const slot of this.slots) if (slot.gapOpen && slot.unwritten === 0) slot.closeGap();
      if (this.closedGaps.length) this.declareGaps();
      this.closed = true;
      for (const c of this.checkpointers) c.close();
      // The final checkpoints were just queued for the witnesses: give them what time is left.
      await this.witnesses?.drain(Math.max(0, deadline.left() - 100));
      this.witnesses?.stop();
      leaveExit(this.exit);
      const deliverers = this.remotes.flatMap((r) => [r.own, ...r.adopted]);
      await deadline.race(Promise.all(deliverers.map((d) => d.stop())), 100);
      const pending = this.pendingBySink();
      for (const slot of this.slots) slot.close();
      await this.eachSink([...this.slots, ...this.remotes], "close", (sink) => sink.close?.(), deadline, 100);
      for (const slot of this.slots) {
        if (slot.unwritten) this.reportError(new Error(`sink "${slot.name}": ${slot.unwritten} event(s) could not be written before shutdown and are lost`), `shutdown:${slot.name}`);
      }
      for (const dir of this.writerDirs) unregisterWriter(dir, this.chainId);
      return {
        complete: flushed.complete && Object.values(pending).every((n) => n === 0),
        pending,
        spool: this.spoolDir,
        dead_lettered: Object.fromEntries(this.remotes.map((r) => [r.name, r.counters.dead_lettered])),
        ...(deadline.expired ? { timed_out: true } : {}),
      };
    } finally {
      deadline.clear();
    }
  }

  /** Runs `step` on every sink at once, within the deadline; a sink that fails it is reported, never thrown. */
  private async eachSink(slots: ReadonlyArray<{ sink: Sink; name: string }>, what: string, step: (sink: Sink) => unknown, deadline: Deadline, graceMs = 0): Promise<void> {
    await Promise.all(
      slots.map(async (slot) => {
        try {
          const outcome = await deadline.race(Promise.resolve().then(() => step(slot.sink)), graceMs);
          if (outcome === Deadline.EXPIRED) this.reportError(new Error(`sink "${slot.name}" ${what} did not finish in time`), `${what}:${slot.name}`);
        } catch (err) {
          this.reportError(new Error(`sink "${slot.name}" ${what} failed: ${describeError(err)}`), `${what}:${slot.name}`);
        }
      }),
    );
  }

  /** What each sink still waits for: remote sinks' undelivered events, local sinks' unwritten ones. */
  private pendingBySink(): Record<string, number> {
    const pending: Record<string, number> = {};
    for (const r of this.remotes) pending[r.name] = this.pendingFor(r);
    for (const slot of this.slots) if (slot.unwritten) pending[slot.name] = slot.unwritten;
    return pending;
  }

  /**
   * Events a remote sink has neither delivered nor dead-lettered: this process's own, plus at least
   * one for every dead writer's chain it took over and has not read to its end. Without the latter
   * a flush cut short by its deadline would say `complete` while adopted chains still wait on disk.
   */
  private pendingFor(r: RemoteSlot): number {
    if (r.memory) return r.memory.backlog;
    const src = r.own.source;
    const recordedAfterStart = this.counts.recorded;
    // Events the spool's own writer gave up (a full disk, declared by trail.gap) never reach the spool.
    const neverSpooled = this.slots.find((s) => s.writesFiles && (s.sink as JsonlSink).dir === this.spoolDir)?.stats.dropped ?? 0;
    const own = Math.max(0, recordedAfterStart - src.delivered - src.deadLettered - r.counters.dropped - neverSpooled);
    return own + r.adopted.filter((d) => !d.finished).length;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): TrailStats {
    const sinks: Record<string, SinkStats> = {};
    for (const slot of this.slots) sinks[slot.name] = localStats(slot.stats);
    for (const r of this.remotes) {
      sinks[r.name] = {
        delivered: r.counters.delivered,
        failed: r.counters.dead_lettered,
        dropped: r.counters.dropped,
        retries: r.counters.retries,
        pending: this.pendingFor(r),
        ...(r.counters.last_error ? { last_error: r.counters.last_error } : {}),
      };
    }
    const witnesses = this.witnesses?.stats();
    return { chain_id: this.chainId, ...this.counts, sinks, ...(witnesses && Object.keys(witnesses).length ? { witnesses } : {}) };
  }
}

/** Default `limits.maxEventBytes`: the largest event, in bytes of JSON. */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;
/** Default `limits.maxBufferedBytes`: memory held for events a local sink cannot write yet. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function localStats(s: LocalSinkStats): SinkStats {
  const out: SinkStats = { delivered: s.delivered, failed: s.failed, dropped: s.dropped, write_failures: s.write_failures, buffered: s.buffered };
  if (s.last_error) out.last_error = s.last_error;
  return out;
}
