/** The `redaction` options, validated at construction with errors that name the field. */
import * as z from "zod";
import { OPERATORS } from "./operators.js";

const entityName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "entity names are UPPER_SNAKE_CASE, e.g. EMPLOYEE_ID");

const customDetectorSchema = z
  .object({
    entity: entityName,
    pattern: z.instanceof(RegExp, { message: "pattern must be a RegExp, e.g. /EMP-\\d{6}/" }).optional(),
    validate: z.custom<(match: string) => boolean>((v) => typeof v === "function", { message: "expected a function (match) => boolean" }).optional(),
    detect: z
      .custom<(text: string) => Iterable<{ start: number; end: number }>>((v) => typeof v === "function", {
        message: "expected a function (text) => [{ start, end }]",
      })
      .optional(),
  })
  .strict()
  .refine((d) => (d.pattern === undefined) !== (d.detect === undefined), {
    message: "give exactly one of pattern (a RegExp) or detect (a function)",
  })
  .refine((d) => !d.pattern || !new RegExp(d.pattern.source, d.pattern.flags.replace(/[gy]/g, "")).test(""), {
    message: "pattern matches the empty string, so it would match everywhere; make it require at least one character",
  });

const keySchema = z.union([z.string().min(1), z.instanceof(Buffer)]);

export const redactionOptionsSchema = z
  .object({
    /** Built-in entities to detect (default: all of them). */
    entities: z.array(entityName).optional(),
    /** Built-in entities to leave alone, e.g. ["IP_ADDRESS"]. */
    disable: z.array(entityName).optional(),
    custom: z.array(customDetectorSchema).optional(),
    /** Default operator (default "replace"). */
    operator: z.enum(OPERATORS).optional(),
    /** Operator per entity, e.g. { CREDIT_CARD: "mask", EMAIL: "hash" }. */
    operators: z.record(entityName, z.enum(OPERATORS)).optional(),
    /** Extra field names whose value is always redacted (added to the defaults). */
    sensitiveKeys: z.array(z.string().min(1)).optional(),
    /** Values never redacted (a support address, a documented test card). */
    allow: z.array(z.union([z.string(), z.instanceof(RegExp)])).optional(),
    /** HMAC key for the "hash" operator (else $AGENT_AUDIT_HASH_KEY). */
    hashKey: keySchema.optional(),
    /** AES-256 key for the "encrypt" operator (else $AGENT_AUDIT_ENCRYPTION_KEY). */
    encryptionKey: keySchema.optional(),
  })
  .strict();

export type RedactionOptions = z.input<typeof redactionOptionsSchema>;
