/**
 * Reporting configuration errors the one way the whole package does: at construction, naming the
 * field, what was given, and how to fix it. Every options schema (the trail's, each sink's, the
 * redactor's) is parsed through `parseOptions`.
 */
import type * as z from "zod";
import { nearest } from "./nearest.js";

export class AuditConfigError extends Error {
  override name = "AuditConfigError";
}

/** Hints that turn "invalid" into "here is what to write instead". */
const FIX: Record<string, string> = {
  level: 'use one of "trace", "debug" (default), "info", "warn", "error"',
  sinks: "pass an array of sinks, e.g. sinks: [jsonlSink({ dir: '.audit' })]",
  slowToolMs: "give a duration in milliseconds, e.g. slowToolMs: 5000",
  sessionId: "give a non-empty string, or leave it out to take the session from run metadata",
  userId: "give a non-empty string, or leave it out to take the user from run metadata",
  dir: "give a directory path, e.g. dir: '.audit'",
  redaction: "pass redaction options, e.g. redaction: { operators: { EMAIL: 'hash' } }, or redaction: false to turn it off explicitly",
  integrity: "pass { keyFile, checkpointEvery, checkpointIntervalMs, witness }, or integrity: false",
  witness: "give a directory outside the trail ('/mnt/other-volume/audit-witness'), an S3 prefix ('s3://bucket/witness') or a tlog-witness URL ('https://witness.example/'), or an array of them",
  postQuantum: "pass true, or { keyFile: '/secure/ml-dsa-44.seed' }",
  witnessObjectLock: "pass { mode: 'COMPLIANCE' | 'GOVERNANCE', days: 365 }",
  key: "give 32 bytes: a Buffer, 64 hex digits or base64",
  spool: "pass { dir: '.audit' } for a disk spool, or { memory: true, maxEvents: 10000 } without a disk",
  maxEvents: "give a positive whole number of events",
  maxBytes: "give a positive number of bytes, e.g. 512 * 1024 * 1024",
  batchSize: "give a whole number of events between 1 and 100000",
  timeoutMs: "give a duration in milliseconds, e.g. 30000",
  fsync: 'use "never" (default), "always", or a number of milliseconds between syncs',
  maxEventBytes: "give a number of bytes of at least 4096, e.g. 256 * 1024",
  maxBufferedBytes: "give a number of bytes, e.g. 16 * 1024 * 1024 (0 keeps nothing in memory)",
  exitHandlers: "pass true (default) or false",
  exitFlushMs: "give a duration in milliseconds, e.g. 2000",
};

/** Parses `input` with `schema`, or throws an AuditConfigError naming every bad field and its fix. */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join(".") : "(options)";
    const field = String(issue.path[issue.path.length - 1] ?? "");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, issue.path);
      message = issue.keys.map((k) => unknownKey(k, known)).join("; ");
    }
    const got = describeValue(valueAt(input, issue.path));
    const fix = FIX[field] ? ` Fix: ${FIX[field]}.` : "";
    return `  - ${path}: ${message}${issue.code === "unrecognized_keys" ? "" : ` (got ${got})`}.${fix}`;
  });
  return failConfig(`${where}: invalid options\n${lines.join("\n")}`);
}

/** `unknown option "levle"; did you mean "level"?`, or the plain fact when nothing is close. */
function unknownKey(key: string, known: readonly string[]): string {
  const guess = nearest(key, known);
  return guess ? `unknown option "${key}"; did you mean "${guess}"?` : `unknown option "${key}"; check the spelling against the documented options`;
}

/**
 * The keys the object schema at `path` accepts (the options a typo was meant to be), found by
 * walking the schema's definition through wrappers (optional, default, pipe…), unions, arrays and
 * records. Internal zod structure, read defensively: anything unexpected yields no keys, and so
 * only no suggestion.
 */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown, rest: readonly PropertyKey[], depth: number): void => {
    const def = (node as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
    if (!def || depth > 50) return;
    switch (def.type) {
      case "object": {
        const shape = (def.shape ?? {}) as Record<string, unknown>;
        if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
        else if (typeof rest[0] === "string" && rest[0] in shape) visit(shape[rest[0]], rest.slice(1), depth + 1);
        return;
      }
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "catch":
      case "readonly":
      case "nonoptional":
        return visit(def.innerType, rest, depth + 1);
      case "pipe":
        return visit(def.in, rest, depth + 1);
      case "lazy":
        return visit(typeof def.getter === "function" ? (def.getter as () => unknown)() : undefined, rest, depth + 1);
      case "union":
        for (const option of (def.options ?? []) as unknown[]) visit(option, rest, depth + 1);
        return;
      case "intersection":
        visit(def.left, rest, depth + 1);
        visit(def.right, rest, depth + 1);
        return;
      case "array":
        if (rest.length) visit(def.element, rest.slice(1), depth + 1);
        return;
      case "record":
        if (rest.length) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return [...keys];
}

export function failConfig(message: string): never {
  throw new AuditConfigError(`agent-audit-trail: ${message}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return String(v);
}
