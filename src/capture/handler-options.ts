/**
 * The options `AuditCallbackHandler` accepts, how they are checked, and what they mean for every
 * run the handler records: the session, user, tags and metadata a run with no parent starts from.
 *
 * Kept apart from the handler so that the callbacks read as what LangChain calls and what is
 * recorded, and the option rules (strict: an unknown key is a mistake, not something to ignore)
 * stand in one place.
 */
import * as z from "zod";
import { type CaptureTrail } from "./trail-port.js";
import { parseOptions } from "../shared/config.js";
import { toJson } from "./serialize.js";

const optionsSchema = z
  .object({
    trail: z.custom<CaptureTrail>((v) => typeof v === "object" && v !== null && typeof (v as CaptureTrail).emit === "function", {
      message: "expected an AuditTrail from createAuditTrail()",
    }).optional(),
    sessionId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    raiseError: z.boolean().optional(),
    awaitHandlers: z.boolean().optional(),
  })
  .strict();
export type AuditHandlerOptions = z.input<typeof optionsSchema>;

/** Option objects already checked (a handler's `copy()` passes its own again). */
const checked = new WeakSet<object>();

/**
 * The options checked (a mistake throws a config error naming the handler). Users often make a
 * handler per invocation (`callbacks: [trail.handler()]`), so the common shapes skip the schema:
 * options already checked, and options holding nothing but a trail.
 */
export function parseHandlerOptions(options: AuditHandlerOptions): AuditHandlerOptions {
  if (checked.has(options) || onlyATrail(options)) return options;
  const parsed = parseOptions("AuditCallbackHandler", optionsSchema, options);
  checked.add(parsed);
  return parsed;
}

function onlyATrail(options: AuditHandlerOptions): boolean {
  if (typeof options !== "object" || options === null) return false;
  for (const key in options) if (key !== "trail") return false;
  const trail = options.trail;
  return trail === undefined || (typeof trail === "object" && trail !== null && typeof trail.emit === "function");
}

/** What a run with no parent inherits: the handler's options over the trail's own context. */
export interface RunDefaults {
  /** The handler's `sessionId` (it wins over run metadata and the trail's context). */
  sessionId: string | undefined;
  userId: string | undefined;
  /** The trail's tags and the handler's, without repeats. */
  tags: string[] | undefined;
  /** The trail's metadata overlaid with the handler's, made JSON-safe. */
  metadata: Record<string, unknown> | undefined;
}

/** A trail's defaults for handlers with no options of their own: its context never changes. */
const trailDefaults = new WeakMap<CaptureTrail, RunDefaults>();

export function runDefaults(opts: AuditHandlerOptions, trail: CaptureTrail): RunDefaults {
  if (!opts.sessionId && !opts.userId && !opts.tags && !opts.metadata) {
    let defaults = trailDefaults.get(trail);
    if (!defaults) trailDefaults.set(trail, (defaults = computeDefaults(opts, trail)));
    return defaults;
  }
  return computeDefaults(opts, trail);
}

function computeDefaults(opts: AuditHandlerOptions, trail: CaptureTrail): RunDefaults {
  const ctx = trail.context;
  const tags = [...(ctx.tags ?? []), ...(opts.tags ?? [])];
  const md = { ...ctx.metadata, ...opts.metadata };
  return {
    sessionId: opts.sessionId,
    userId: opts.userId,
    tags: tags.length ? [...new Set(tags)] : undefined,
    metadata: Object.keys(md).length ? (toJson(md, trail.captureLimits) as Record<string, unknown>) : undefined,
  };
}
