/**
 * The trail `new AuditCallbackHandler()` records into when given none: the JSONL sink in
 * `./.audit/` (or `$AGENT_AUDIT_DIR`), created on first use and shared by every such handler so the
 * process writes one chain. Platforms configured in the environment are forwarded to with no code
 * change: Langfuse (`LANGFUSE_PUBLIC_KEY` + `LANGFUSE_SECRET_KEY`, `LANGFUSE_BASE_URL`), LangSmith
 * (`LANGSMITH_API_KEY`, `LANGSMITH_ENDPOINT`, `LANGSMITH_PROJECT`) and any OpenTelemetry backend
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`).
 */
import { AuditTrail } from "./audit-trail.js";
import { jsonlSink } from "../sinks/jsonl.js";
import { langfuseSink } from "../sinks/langfuse.js";
import { langsmithSink } from "../sinks/langsmith.js";
import { otlpSink } from "../sinks/otlp.js";
import type { Sink } from "../sinks/types.js";
import { provideDefaultTrail } from "./trail-port.js";

let defaultTrail: AuditTrail | undefined;

/** The sinks the environment asks for, besides the local JSONL trail. */
export function sinksFromEnvironment(env: NodeJS.ProcessEnv = process.env): Sink[] {
  const sinks: Sink[] = [];
  if (env.LANGFUSE_PUBLIC_KEY && env.LANGFUSE_SECRET_KEY) sinks.push(langfuseSink());
  if (env.LANGSMITH_API_KEY || env.LANGCHAIN_API_KEY) sinks.push(langsmithSink());
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) sinks.push(otlpSink());
  return sinks;
}

export function getDefaultTrail(): AuditTrail {
  if (!defaultTrail || defaultTrail.isClosed) {
    defaultTrail = new AuditTrail({ sinks: [jsonlSink({ dir: process.env.AGENT_AUDIT_DIR || undefined }), ...sinksFromEnvironment()] });
  }
  return defaultTrail;
}

// Capture asks for the default trail through its port; this module is what provides it.
provideDefaultTrail(getDefaultTrail);
