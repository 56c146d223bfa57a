/**
 * Safe serialization: turns anything a LangChain run hands us into plain JSON values, without ever
 * throwing and without unbounded output.
 *
 * Circular references, BigInt, binary data, Map/Set, Date, Errors (with `cause`), class instances,
 * throwing getters and LangChain messages all come out as JSON. Whatever is cut is cut visibly: a
 * marker string says what was left out, so a reader of the trail never mistakes a truncated value
 * for the whole one.
 */
import { compactMessage, isLangChainMessage, isSerializedMessage, compactSerializedMessage } from "./messages.js";
import { captureCut, truncatedTail } from "../limits/markers.js";
import { DEFAULT_LIMITS, type SerializeLimits } from "../limits/capture-limits.js";
import { describeError, errorType } from "../shared/errors.js";
import { describeDataUrl, isBinaryBlockType, summarizeBinaryBlock } from "./binary-content.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w-]+)*(;base64)?,/;

/** Base64 data URLs longer than this are recorded by type, size and hash instead of their bytes. */
const INLINE_DATA_URL_CHARS = 256;

export function truncateString(s: string, limits: SerializeLimits): string {
  // Inline binary (images, audio) would fill the trail with base64 that no auditor reads.
  if (s.length > INLINE_DATA_URL_CHARS && s.charCodeAt(0) === 100 /* d */ && s.startsWith("data:")) {
    const described = describeDataUrl(s);
    if (described) return described;
  }
  if (s.length <= limits.maxStringLength) return s;
  const dataUrl = DATA_URL.exec(s);
  if (dataUrl) return `[data URL ${dataUrl[1] ?? "unknown type"}, ${s.length} chars omitted]`;
  const omitted = s.length - limits.maxStringLength;
  return s.slice(0, limits.maxStringLength) + (limits.beforeRedaction ? captureCut(omitted) : truncatedTail(omitted));
}

/** Serializes `value` to plain JSON within `limits`. Never throws. */
export function toJson(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): Json {
  try {
    return walk(value, limits, 0, new Set());
  } catch (err) {
    return `[Unserializable: ${describeError(err)}]`;
  }
}

function walk(value: unknown, limits: SerializeLimits, depth: number, ancestors: Set<object>): Json {
  switch (typeof value) {
    case "string":
      return truncateString(value, limits);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return `${value.toString()}n`;
    case "undefined":
      return null;
    case "symbol":
      return value.toString();
    case "function":
      return `[Function ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.has(obj)) return "[Circular]";
  if (depth >= limits.maxDepth) return `[Truncated: deeper than ${limits.maxDepth} levels]`;

  ancestors.add(obj);
  try {
    return walkObject(obj, limits, depth + 1, ancestors);
  } catch (err) {
    // A proxy whose traps throw, a toJSON that throws: this value is lost, not its neighbours.
    return `[Unserializable: ${describeError(err)}]`;
  } finally {
    ancestors.delete(obj);
  }
}

function walkObject(obj: object, limits: SerializeLimits, depth: number, ancestors: Set<object>): Json {
  if (Array.isArray(obj)) return walkArray(obj, limits, depth, ancestors);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (obj instanceof Error) return serializeError(obj, limits, depth, ancestors);
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) {
    // Binary content is recorded by type and size only: it is unreadable in a trail and may be anything.
    return `[Binary ${obj.constructor?.name ?? "data"} ${obj.byteLength} bytes]`;
  }
  if (obj instanceof Map) {
    const out: { [key: string]: Json } = {};
    let n = 0;
    for (const [k, v] of obj) {
      if (n++ >= limits.maxItems) {
        out["…"] = `[Truncated: ${obj.size - limits.maxItems} more entries]`;
        break;
      }
      out[typeof k === "string" ? k : String(walk(k, limits, depth, ancestors))] = walk(v, limits, depth, ancestors);
    }
    return out;
  }
  if (obj instanceof Set) return walkArray([...obj], limits, depth, ancestors);
  if (obj instanceof RegExp) return obj.toString();
  if (obj instanceof Promise || obj instanceof WeakMap || obj instanceof WeakSet) return `[${obj.constructor.name}]`;
  // A stream's content is whatever flows later; its fields are internal buffers and sockets.
  if (isStream(obj)) return `[Stream ${obj.constructor?.name ?? "object"}]`;
  if (isLangChainMessage(obj)) return walk(compactMessage(obj), limits, depth - 1, ancestors);
  if (isSerializedMessage(obj)) return walk(compactSerializedMessage(obj), limits, depth - 1, ancestors);
  if (isBinaryBlockType((obj as { type?: unknown }).type)) {
    const summary = summarizeBinaryBlock(obj as Record<string, unknown>);
    if (summary) return walkPlain(summary, limits, depth, ancestors);
  }

  // A class with its own toJSON (Decimal, URL, Buffer-likes...) knows its JSON form best; LangChain's
  // Serializable.toJSON yields constructor blobs, which the message branch above already avoided.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function" && !("lc_serializable" in obj)) {
    const converted = toJSON.call(obj);
    if (converted !== obj) return walk(converted, limits, depth - 1, ancestors);
  }
  // Other LangChain objects (prompt values, templates, documents' wrappers) are recorded by what
  // they hold: their own fields, not the `lc_kwargs` copy and namespace bookkeeping beside them.
  return walkPlain(obj, limits, depth, ancestors, "lc_kwargs" in obj);
}

function isStream(obj: object): boolean {
  if (typeof ReadableStream !== "undefined" && (obj instanceof ReadableStream || obj instanceof WritableStream)) return true;
  const o = obj as { pipe?: unknown; on?: unknown; read?: unknown; write?: unknown };
  return typeof o.pipe === "function" && typeof o.on === "function" && (typeof o.read === "function" || typeof o.write === "function");
}

function walkArray(arr: readonly unknown[], limits: SerializeLimits, depth: number, ancestors: Set<object>): Json[] {
  const n = Math.min(arr.length, limits.maxItems);
  const out: Json[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = walk(arr[i], limits, depth, ancestors);
  if (arr.length > n) out.push(`[Truncated: ${arr.length - n} more items]`);
  return out;
}

function walkPlain(obj: object, limits: SerializeLimits, depth: number, ancestors: Set<object>, skipLangChainFields = false): Json {
  const out: { [key: string]: Json } = {};
  let n = 0;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    if (skipLangChainFields && key.startsWith("lc_")) continue;
    if (n++ >= limits.maxItems) {
      out["…"] = `[Truncated: more than ${limits.maxItems} keys]`;
      break;
    }
    let v: unknown;
    try {
      v = (obj as Record<string, unknown>)[key];
    } catch (err) {
      out[key] = `[Unserializable: ${describeError(err)}]`;
      continue;
    }
    if (v === undefined || typeof v === "function") continue; // as JSON.stringify does
    out[key] = walk(v, limits, depth, ancestors);
  }
  return out;
}

function serializeError(err: Error, limits: SerializeLimits, depth: number, ancestors: Set<object>): Json {
  const out: { [key: string]: Json } = { type: errorType(err), message: truncateString(String(err.message ?? ""), limits) };
  if (typeof err.stack === "string") out.stack = truncateString(err.stack, limits);
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = walk(code, limits, depth, ancestors);
  if (err.cause !== undefined) out.cause = walk(err.cause, limits, depth, ancestors);
  const http = httpFacts(err as unknown as Record<string, unknown>);
  if (http.status !== undefined) out.http_status = http.status;
  if (http.requestId !== undefined) out.request_id = truncateString(http.requestId, limits);
  const lcCode = (err as { lc_error_code?: unknown }).lc_error_code;
  if (typeof lcCode === "string") out.lc_error_code = lcCode;
  return out;
}

/**
 * The HTTP status and request id a provider client hangs on its error, each client under its own
 * name: OpenAI's and Anthropic's `status` and `request_id`/`requestID`, Google's `status`,
 * Ollama's `status_code`, the AWS SDK's `$metadata`. A status is kept only when it is a number:
 * Google's error body also has a string `status` ("RESOURCE_EXHAUSTED") that is not an HTTP code.
 */
function httpFacts(err: Record<string, unknown>): { status?: number; requestId?: string } {
  const aws = err.$metadata && typeof err.$metadata === "object" ? (err.$metadata as Record<string, unknown>) : undefined;
  const status = [err.status, err.status_code, err.statusCode, aws?.httpStatusCode].find((v): v is number => typeof v === "number" && Number.isInteger(v));
  const requestId = [err.request_id, err.requestID, aws?.requestId].find((v): v is string => typeof v === "string" && v !== "");
  return { status, requestId };
}
