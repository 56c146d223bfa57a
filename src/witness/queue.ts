/**
 * Checkpoints on their way to a remote witness (S3, HTTP). The agent never waits for a witness:
 * `enqueue` returns at once, one submission runs at a time in the background, and a witness that
 * is down is retried with full-jitter backoff while its checkpoints wait in memory. The signed
 * checkpoints themselves are already on disk beside the trail, so a process that exits with some
 * still queued loses no record, only the witness's copy of them; that is reported (`onError`,
 * `stats()`), never silent. A witness that keeps only the latest tree head per log (an HTTP
 * witness) is sent only the newest pending checkpoint of each chain.
 */
import { fullJitterDelay, sleep } from "../shared/backoff.js";
import type { Checkpoint } from "../integrity/checkpoints.js";

export interface WitnessTarget {
  /** The witness as messages name it (never with credentials). */
  readonly label: string;
  /** true: every checkpoint is kept (a directory, S3); false: only the newest per chain matters. */
  readonly keepsAll: boolean;
  /**
   * Resolves once the witness holds the checkpoint (or has no use for it); throws to be retried;
   * answers `{ rejected }` when the witness refused it for good (retrying cannot help).
   */
  submit(cp: Checkpoint, signal: AbortSignal): Promise<void | { rejected: string }>;
}

export interface WitnessStats {
  pending: number;
  witnessed: number;
  failed_attempts: number;
  /** Checkpoints given up because the queue was full (the oldest go first). */
  dropped: number;
  /** Checkpoints the witness refused for good (a bad proof, a fork, an untrusted key). */
  rejected: number;
  last_error?: string;
}

/** More than this waiting (days of a witness down at one checkpoint a minute) and the oldest go. */
const MAX_PENDING = 10_000;

export class WitnessQueue {
  private readonly pending: Checkpoint[] = [];
  private readonly counters: WitnessStats = { pending: 0, witnessed: 0, failed_attempts: 0, dropped: 0, rejected: 0 };
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private attempt = 0;

  constructor(
    readonly target: WitnessTarget,
    private readonly onError: (err: Error) => void,
    private readonly backoff = { initialMs: 250, maxMs: 30_000 },
  ) {}

  enqueue(cp: Checkpoint): void {
    if (this.stopping.signal.aborted) return;
    if (!this.target.keepsAll) {
      // Only the newest tree head of a chain is worth sending; an older one still waiting is replaced.
      const i = this.pending.findIndex((p, at) => at > 0 && p.chain_id === cp.chain_id);
      if (i > 0) this.pending.splice(i, 1);
    }
    this.pending.push(cp);
    if (this.pending.length > MAX_PENDING) {
      this.pending.splice(1, 1);
      this.counters.dropped++;
    }
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  private async run(): Promise<void> {
    while (this.pending.length && !this.stopping.signal.aborted) {
      const cp = this.pending[0]!;
      try {
        const outcome = await this.target.submit(cp, this.stopping.signal);
        this.pending.shift();
        this.attempt = 0;
        if (outcome) {
          this.counters.rejected++;
          this.counters.last_error = outcome.rejected;
          this.onError(new Error(`witness ${this.target.label} refused the checkpoint of chain ${cp.chain_id} at seq ${cp.seq}: ${outcome.rejected}`));
        } else this.counters.witnessed++;
      } catch (err) {
        if (this.stopping.signal.aborted) return;
        this.counters.failed_attempts++;
        this.counters.last_error = (err as Error).message;
        // The first failure of a run of them is reported; the rest are counted.
        if (this.attempt++ === 0) this.onError(new Error(`witness ${this.target.label}: ${(err as Error).message} (checkpoints wait in memory and are retried)`));
        await sleep(fullJitterDelay(this.attempt, this.backoff.initialMs, this.backoff.maxMs), this.stopping.signal);
      }
    }
  }

  /** Waits until nothing is pending, or `ms` passed; true when everything was witnessed. */
  async drain(ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (this.pending.length && Date.now() < until) {
      if (this.attempt > 0) {
        // Retrying after a failure: try again now rather than sleep past the deadline.
        this.attempt = 1;
      }
      await Promise.race([this.running ?? Promise.resolve(), sleep(Math.min(50, Math.max(0, until - Date.now())))]);
    }
    return this.pending.length === 0;
  }

  /** Stops retrying; what is still pending is reported as not witnessed. */
  stop(): void {
    this.stopping.abort();
    if (this.pending.length) this.onError(new Error(`witness ${this.target.label}: ${this.pending.length} checkpoint(s) were not witnessed before shutdown (they are in the trail's .digests; the witness lacks them)`));
  }

  stats(): WitnessStats {
    return { ...this.counters, pending: this.pending.length };
  }
}
