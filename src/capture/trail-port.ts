/**
 * What the handler and the middleware need of a trail, and where their default trail comes from.
 * They take any object with these members (an `AuditTrail` is one). The default trail is provided
 * by `default-trail.ts` when the package loads: the handler cannot import it, since the trail
 * (`audit-trail.ts`) imports the handler to build `trail.handler()`.
 */
import type { AuditEvent, Level, UnsealedEvent } from "../events/schema.js";
import type { TrailContext } from "../pipeline/options.js";
import type { TrailStats } from "../pipeline/trail-types.js";
import type { Redactor } from "../redact/redactor.js";
import type { ModelPrice } from "../pricing/prices.js";
import type { SerializeLimits } from "../limits/capture-limits.js";

export interface CaptureTrail {
  readonly context: Readonly<TrailContext>;
  readonly slowToolMs: number;
  readonly captureLimits: SerializeLimits;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** The trail's redactor, or undefined with `redaction: false` (the middleware redacts model input with it). */
  readonly redactor: Redactor | undefined;
  isEnabled(level: Level): boolean;
  countFiltered(): void;
  /** `commit: false`: leave it to the next commit point, which capture promises to call. */
  emit(unredacted: UnsealedEvent, commit?: boolean): AuditEvent | undefined;
  /**
   * The agent acts next (a model, tool or retriever call starts, or a run returns to its caller):
   * every event recorded so far is written to disk before this returns.
   */
  commit(): void;
  reportError(raw: Error, kind: string): void;
  stats(): TrailStats;
}

let provider: (() => CaptureTrail) | undefined;

/** Called by the pipeline when it loads: the trail a handler or middleware given none records into. */
export function provideDefaultTrail(get: () => CaptureTrail): void {
  provider = get;
}

export function defaultTrail(): CaptureTrail {
  if (!provider) throw new Error("no default trail: import the package (`agent-audit-trail`), which provides it, or pass `trail`");
  return provider();
}
