/**
 * The trail's option schemas (`createAuditTrail`), parsed once per trail through
 * `shared/config.ts`, which reports what is wrong and how to fix it.
 */
import * as z from "zod";
import { levelSchema } from "../events/schema.js";
import type { Sink } from "../sinks/types.js";
import { deliveryOptionsSchema } from "../sinks/delivery-options.js";

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
    /**
     * Where events are sealed and written: `"inline"` (the default and only design), on the
     * agent's thread at each commit point. A worker-thread writer was measured slower for the
     * agent (`npm run bench -- writer-designs`), so it is not offered.
     */
    writer: z
      .string()
      .refine((w) => w === "inline", {
        message:
          'only "inline" is available: a worker-thread writer was measured and cost the agent more (npm run bench -- writer-designs); remove the option or set writer: "inline"',
      })
      .optional(),
  })
  .strict();
export type AuditTrailOptions = z.input<typeof trailOptionsSchema>;
