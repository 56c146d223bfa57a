/**
 * The trail `new AuditCallbackHandler()` records into when given none: the JSONL sink in
 * `./.audit/` (or `$AGENT_AUDIT_DIR`), created on first use and shared by every such handler so the
 * process writes one chain.
 */
import { AuditTrail } from "./trail.js";
import { jsonlSink } from "../sinks/jsonl.js";

let defaultTrail: AuditTrail | undefined;

export function getDefaultTrail(): AuditTrail {
  if (!defaultTrail || defaultTrail.isClosed) {
    defaultTrail = new AuditTrail({ sinks: [jsonlSink({ dir: process.env.AGENT_AUDIT_DIR || undefined })] });
  }
  return defaultTrail;
}
