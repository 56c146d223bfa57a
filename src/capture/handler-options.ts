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

/** The options checked (a mistake throws a config error naming the handler). */
export function parseHandlerOptions(options: AuditHandlerOptions): AuditHandlerOptions {
  return parseOptions("AuditCallbackHandler", optionsSchema, options);
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

export function runDefaults(opts: AuditHandlerOptions, trail: CaptureTrail): RunDefaults {
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
