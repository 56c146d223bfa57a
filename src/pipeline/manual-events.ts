/**
 * `trail.record()`'s input: a manual event (an approval, a business decision, a policy verdict)
 * validated at the API boundary and turned into the unsealed event the pipeline seals.
 */
import { manualEventSchema, type Level, type ManualEvent, type UnsealedEvent } from "../events/schema.js";
import { describeError } from "../shared/errors.js";
import { DEFAULT_LEVEL } from "./trail-types.js";
import type { TrailContext } from "./options.js";

export interface ManualEventContext {
  context: Readonly<TrailContext>;
  /** A plain-JSON snapshot of a payload within the capture limits, never throwing. */
  snapshot: (value: unknown) => unknown;
  reportError: (error: Error, kind: string) => void;
}

/**
 * Validates a manual event: a misuse of the API throws a TypeError naming each bad field. Reading
 * it can also throw (a getter, a hostile proxy in `data`): that is bad runtime data, not a misuse,
 * so what can be read is recorded instead.
 */
export function parseManualEvent(event: ManualEvent, ctx: ManualEventContext): ManualEvent {
  let parsed: ReturnType<typeof manualEventSchema.safeParse>;
  try {
    parsed = manualEventSchema.safeParse(event);
  } catch (err) {
    ctx.reportError(new Error(`trail.record(): reading the event threw (${describeError(err)}); recording what could be read`), "record");
    const snap = ctx.snapshot(event);
    const obj = (snap && typeof snap === "object" && !Array.isArray(snap) ? snap : {}) as Record<string, unknown>;
    const asRecord = (v: unknown) => (v === undefined || (v !== null && typeof v === "object" && !Array.isArray(v)) ? v : { value: v });
    parsed = manualEventSchema.safeParse({ ...obj, data: asRecord(obj.data), metadata: asRecord(obj.metadata) });
  }
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`).join("; ");
    throw new TypeError(`agent-audit-trail: trail.record() got an invalid event: ${detail}`);
  }
  return parsed.data;
}

/** The level a manual event is recorded at: its own, or its type's default. */
export function manualLevel(e: ManualEvent): Level {
  return e.level ?? DEFAULT_LEVEL[e.type];
}

/** The unsealed event for a valid manual one: the trail's context fills what it leaves unset. */
export function unsealedManual(e: ManualEvent, level: Level, ctx: ManualEventContext): UnsealedEvent {
  const tags = e.tags ?? ctx.context.tags;
  const metadata = e.metadata ?? ctx.context.metadata;
  return {
    level,
    type: e.type,
    session_id: e.session_id ?? ctx.context.sessionId,
    user_id: e.user_id ?? ctx.context.userId,
    trace_id: e.trace_id,
    run_id: e.run_id,
    parent_run_id: e.parent_run_id,
    name: e.name,
    tags: tags && tags.length ? [...tags] : undefined,
    metadata: metadata ? (ctx.snapshot(metadata) as Record<string, unknown>) : undefined,
    data: (ctx.snapshot(e.data ?? {}) as Record<string, unknown>) ?? {},
    duration_ms: e.duration_ms,
    status: e.status,
  };
}
