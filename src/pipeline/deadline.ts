/**
 * One time limit for a whole `flush()` or `shutdown()`. Its timer is deliberately ref'd: while a
 * flush is pending it is what keeps the process alive (every delivery timer is unref'd so that an
 * idle trail never holds a process open), and it bounds every step's wait by the same clock.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  static readonly EXPIRED: unique symbol = Symbol("deadline expired");
  private readonly at: number;
  private readonly expiry: Promise<typeof Deadline.EXPIRED>;
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(timeoutMs: number) {
    // Node fires a timer set beyond 2^31-1 ms (or to Infinity) after 1 ms: clamp to about 24 days.
    timeoutMs = Math.min(Math.max(0, Number.isFinite(timeoutMs) ? timeoutMs : MAX_TIMER_MS), MAX_TIMER_MS);
    this.at = Date.now() + timeoutMs;
    this.expiry = new Promise((resolve) => {
      this.timer = setTimeout(() => {
        this.done = true;
        resolve(Deadline.EXPIRED);
      }, timeoutMs);
    });
  }

  get expired(): boolean {
    return this.done || Date.now() >= this.at;
  }

  /** Milliseconds left (at least 1, so a zero wait still lets pending work report). */
  left(): number {
    return Math.max(1, this.at - Date.now());
  }

  /**
   * Waits for `work`, but no longer than the deadline (plus `graceMs` for a last step such as
   * closing sockets). Returns EXPIRED when time ran out first.
   */
  async race<T>(work: Promise<T>, graceMs = 0): Promise<T | typeof Deadline.EXPIRED> {
    // Past the deadline, work that is about to finish (a synchronous flush) still gets its turn.
    if (this.expired && graceMs === 0) return Promise.race([work, new Promise<typeof Deadline.EXPIRED>((resolve) => setImmediate(() => resolve(Deadline.EXPIRED)))]);
    if (graceMs === 0) return Promise.race([work, this.expiry]);
    let grace: NodeJS.Timeout | undefined;
    const limit = new Promise<typeof Deadline.EXPIRED>((resolve) => {
      grace = setTimeout(() => resolve(Deadline.EXPIRED), Math.max(0, this.at - Date.now()) + graceMs);
    });
    try {
      return await Promise.race([work, limit]);
    } finally {
      clearTimeout(grace);
    }
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
