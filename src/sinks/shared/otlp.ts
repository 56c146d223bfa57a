/**
 * Spans in OTLP/HTTP, encoded by OpenTelemetry's own serializers (@opentelemetry/otlp-transformer)
 * rather than by hand: we build the `ReadableSpan` shape they read and let them produce the JSON or
 * protobuf body every OTLP receiver accepts.
 */
import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";

export { SpanKind, SpanStatusCode };

export interface SpanInput {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  startMs: number;
  endMs: number;
  attributes: Attributes;
  status: { code: SpanStatusCode; message?: string };
  events?: Array<{ name: string; timeMs: number; attributes?: Attributes }>;
}

export type OtlpProtocol = "http/json" | "http/protobuf";

const hr = (ms: number): HrTime => {
  const whole = Math.floor(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1e6 + Math.round((ms - whole) * 1e6)];
};

/** A UUID's hex digits: a trace id (32) as is, a span id (16) from its random tail. */
export const traceIdOf = (uuid: string) => uuid.replace(/-/g, "").toLowerCase().padStart(32, "0").slice(-32);
export const spanIdOf = (uuid: string) => uuid.replace(/-/g, "").toLowerCase().slice(-16);

export function encodeSpans(
  spans: readonly SpanInput[],
  options: { protocol: OtlpProtocol; resource: Attributes; scope: { name: string; version: string } },
): { body: Uint8Array; contentType: string } {
  const resource = resourceFromAttributes(options.resource);
  const readable = spans.map((s) => {
    const duration = hr(Math.max(0, s.endMs - s.startMs));
    return {
      name: s.name,
      kind: s.kind,
      spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1 }),
      parentSpanContext: s.parentSpanId ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1 } : undefined,
      startTime: hr(s.startMs),
      endTime: hr(s.endMs),
      duration,
      ended: true,
      status: s.status,
      attributes: s.attributes,
      links: [],
      events: (s.events ?? []).map((e) => ({ name: e.name, time: hr(e.timeMs), attributes: e.attributes ?? {}, droppedAttributesCount: 0 })),
      resource,
      instrumentationScope: options.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  });
  const serializer = options.protocol === "http/protobuf" ? ProtobufTraceSerializer : JsonTraceSerializer;
  const body = serializer.serializeRequest(readable as never);
  if (!body) throw new Error("the OTLP serializer returned no body");
  return { body, contentType: options.protocol === "http/protobuf" ? "application/x-protobuf" : "application/json" };
}

/** A value as an attribute: strings as they are, everything else as JSON. */
export function jsonAttr(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
