/**
 * Option schemas and the one way configuration errors are reported: at construction, naming the
 * field, what was given, and how to fix it.
 */
import * as z from "zod";
import { levelSchema } from "../events/schema.js";
import type { Sink } from "../sinks/types.js";

export class AuditConfigError extends Error {
  override name = "AuditConfigError";
}

const sinkSchema = z.custom<Sink>(
  (v) => typeof v === "object" && v !== null && typeof (v as Sink).send === "function" && typeof (v as Sink).name === "string",
  { message: "each sink must be an object with a `name` string and a `send(batch)` function, e.g. jsonlSink({ dir: '.audit' })" },
);

export const contextSchema = z
  .object({
    sessionId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type TrailContext = z.infer<typeof contextSchema>;

export const limitsSchema = z
  .object({
    maxStringLength: z.number().int().min(64).optional(),
    maxDepth: z.number().int().min(2).max(256).optional(),
    maxItems: z.number().int().min(1).optional(),
    /** Largest event, in bytes of JSON (default 256 KiB); larger ones are cut down visibly. */
    maxEventBytes: z.number().int().min(4096).optional(),
    /** Memory held for events a local sink cannot write yet, e.g. on a full disk (default 16 MiB). */
    maxBufferedBytes: z.number().int().min(0).optional(),
  })
  .strict();

export const deliveryOptionsSchema = z
  .object({
    batchSize: z.number().int().min(1).max(100_000).optional(),
    batchBytes: z.number().int().min(1024).optional(),
    lingerMs: z.number().min(0).optional(),
    timeoutMs: z.number().positive().optional(),
    initialBackoffMs: z.number().positive().optional(),
    maxBackoffMs: z.number().positive().optional(),
    maxElapsedMs: z.number().positive().optional(),
  })
  .strict();

export const spoolOptionsSchema = z
  .object({
    /** Where the spool (the JSONL trail) and delivery cursors live; default: the jsonlSink's dir, else .audit. */
    dir: z.string().min(1).optional(),
    /** Keep the queue in memory only (hosts without a writable disk): bounded, drops counted. */
    memory: z.boolean().optional(),
    /** Memory mode: most events waiting per sink before the oldest are dropped (default 10,000). */
    maxEvents: z.number().int().positive().optional(),
    /** Disk mode: most undelivered bytes per sink before the oldest are skipped (default 1 GiB). */
    maxBytes: z.number().int().positive().optional(),
  })
  .strict()
  .refine((s) => !(s.memory && s.dir), { message: "give either dir (a disk spool) or memory: true, not both" });

export const trailOptionsSchema = z
  .object({
    sinks: z.array(sinkSchema).optional(),
    level: levelSchema.optional(),
    context: contextSchema.optional(),
    slowToolMs: z.number().positive().optional(),
    limits: limitsSchema.optional(),
    spool: spoolOptionsSchema.optional(),
    delivery: deliveryOptionsSchema.optional(),
    /** Hash chain and signed checkpoints (on by default); `false` turns both off. */
    integrity: z
      .union([
        z.literal(false),
        z
          .object({
            signingKey: z.union([z.string(), z.custom<import("node:crypto").KeyObject>((v) => typeof v === "object" && v !== null && "asymmetricKeyType" in (v as object))]).optional(),
            keyFile: z.string().min(1).optional(),
            checkpointEvery: z.number().int().positive().optional(),
            checkpointIntervalMs: z.number().positive().optional(),
            /**
             * A second place every signed checkpoint is copied to as it is made (a directory on
             * another volume), so truncation, rollback and deleted chains show against it.
             */
            witness: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
            /**
             * Also sign every checkpoint note with ML-DSA-44 (C2SP's post-quantum recommendation),
             * with a key in the key store (`ml-dsa-44.seed`) or `{ keyFile }`.
             */
            postQuantum: z.union([z.boolean(), z.object({ keyFile: z.string().min(1) }).strict()]).optional(),
            /** An HTTP witness's verifier key (`name+keyid+base64`): only cosignatures it signed are kept. */
            witnessKey: z.string().min(1).optional(),
            /** Object Lock retention for an s3:// witness's objects (the bucket must have Object Lock on). */
            witnessObjectLock: z.object({ mode: z.enum(["COMPLIANCE", "GOVERNANCE"]), days: z.number().int().positive() }).strict().optional(),
          })
          .strict(),
      ])
      .optional(),
    /** Encryption at rest of the local trail's content (AES-256-GCM). */
    encryption: z.object({ key: z.union([z.string(), z.instanceof(Buffer)]) }).strict().optional(),
    /** Token prices ($ per 1M tokens) by model name, merged over the defaults. */
    prices: z.record(z.string(), z.object({ input: z.number().nonnegative(), output: z.number().nonnegative(), cached: z.number().nonnegative().optional() }).strict()).optional(),
    /** PII and secret redaction: on by default with every built-in detector; `false` turns it off. */
    redaction: z.union([z.literal(false), z.record(z.string(), z.unknown())]).optional(),
    onError: z.custom<(error: Error) => void>((v) => typeof v === "function", { message: "expected a function (error) => void" }).optional(),
    /**
     * On by default: a flush on `beforeExit`, and on SIGTERM/SIGINT (when the application has no
     * listener of its own) a shutdown before the process ends with the signal. `false` turns both off.
     */
    exitHandlers: z.boolean().optional(),
    /** How long the exit flush (beforeExit, SIGTERM, SIGINT) may take, in ms (default 2,000). */
    exitFlushMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();
export type AuditTrailOptions = z.input<typeof trailOptionsSchema>;

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
      message = `unknown option${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; check the spelling against the documented options`;
    }
    const got = describeValue(valueAt(input, issue.path));
    const fix = FIX[field] ? ` Fix: ${FIX[field]}.` : "";
    return `  - ${path}: ${message}${issue.code === "unrecognized_keys" ? "" : ` (got ${got})`}.${fix}`;
  });
  return failConfig(`${where}: invalid options\n${lines.join("\n")}`);
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
