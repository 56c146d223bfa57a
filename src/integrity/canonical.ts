/**
 * Canonical JSON (RFC 8785 style): object keys sorted by UTF-16 code units, no whitespace, numbers
 * and strings as JSON.stringify writes them, `undefined` members left out. Two parties that hold
 * the same value always produce the same bytes, which is what a hash can commit to.
 *
 * This runs for every sealed event, so it avoids work where it can: keys that are already in
 * order (most of ours) are not sorted, and strings without characters that need escaping are not
 * passed through JSON.stringify.
 */
import { LONG_STRING, longJsonString } from "../shared/json-strings.js";

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

function str(s: string): string {
  // Long strings repeat from event to event (a run's history): their JSON form is remembered.
  if (s.length >= LONG_STRING) return longJsonString(s);
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return str(value);
    case "number":
    case "boolean":
      return JSON.stringify(value);
    case "object":
      break;
    default:
      return "null"; // undefined, functions, symbols: as JSON.stringify writes them inside arrays
  }
  if (value === null) return "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i ? "," : "") + canonicalJson(value[i]);
    return out + "]";
  }
  const obj = value as Record<string, unknown>;
  let keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys = keys.sort();
      break;
    }
  }
  let out = "{";
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? "" : ",") + str(k) + ":" + canonicalJson(v);
    first = false;
  }
  return out + "}";
}
