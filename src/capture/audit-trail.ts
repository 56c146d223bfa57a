/**
 * The trail users create: the pipeline (`pipeline/trail.ts`, which knows nothing of LangChain)
 * with the LangChain side attached here: a callback handler and an agent middleware recording into
 * it, snapshots of manual events' payloads that understand LangChain's objects, and a flush that
 * first waits for LangChain's queued callbacks.
 */
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { TrailPipeline } from "../pipeline/trail.js";
import type { AuditTrailOptions } from "../pipeline/options.js";
import { AuditCallbackHandler, type AuditHandlerOptions } from "./handler.js";
import { auditMiddleware, type AuditMiddlewareOptions } from "./middleware.js";
import { toJson } from "./serialize.js";
import type { CaptureTrail } from "./trail-port.js";

export class AuditTrail extends TrailPipeline implements CaptureTrail {
  /** A LangChain callback handler recording into this trail. */
  handler(options: Omit<AuditHandlerOptions, "trail"> = {}): AuditCallbackHandler {
    return new AuditCallbackHandler({ ...options, trail: this });
  }

  /** The agent middleware recording into this trail: `createAgent({ middleware: [trail.middleware()] })`. */
  middleware(options: Omit<AuditMiddlewareOptions, "trail"> = {}) {
    return auditMiddleware({ ...options, trail: this });
  }

  protected snapshot(value: unknown): unknown {
    return toJson(value, this.captureLimits);
  }

  protected settleCallbacks(): Promise<void> {
    return awaitAllCallbacks();
  }
}

/** Creates a trail: `createAuditTrail({ sinks, level, context })`. */
export function createAuditTrail(options: AuditTrailOptions = {}): AuditTrail {
  return new AuditTrail(options);
}
