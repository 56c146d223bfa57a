/**
 * What capture needs of a trail, and where its default trail comes from. Capture is below the
 * pipeline (`pipeline` → `capture`): the handler and the middleware take any object with these
 * members (an `AuditTrail` is one), and the pipeline provides the default trail when it loads
 * (`pipeline/default-trail.ts`), so no capture module imports the pipeline's trail.
 */
import type { AuditEvent, Level, UnsealedEvent } from "../events/schema.js";
import type { TrailContext } from "../pipeline/options.js";
import type { TrailStats } from "../pipeline/trail-types.js";
import type { Redactor } from "../redact/redactor.js";
import type { ModelPrice } from "../store/prices.js";
import type { SerializeLimits } from "./serialize.js";

export interface CaptureTrail {
  readonly context: Readonly<TrailContext>;
  readonly slowToolMs: number;
  readonly captureLimits: SerializeLimits;
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** The trail's redactor, or undefined with `redaction: false` (the middleware redacts model input with it). */
  readonly redactor: Redactor | undefined;
  isEnabled(level: Level): boolean;
  countFiltered(): void;
  emit(unredacted: UnsealedEvent): AuditEvent | undefined;
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
