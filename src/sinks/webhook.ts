/**
 * `webhookSink({ url, secret })`: POSTs batches of events to any HTTP endpoint, signed the Standard
 * Webhooks way so receivers in any language can check them (unsigned only with `unsigned: true`).
 * A remote sink: the delivery layer batches, retries and dead-letters around it; this file only
 * knows the wire format.
 *
 * Body: `{ "type": "audit.events", "timestamp": ISO, "data": { "batch_id", "events": [...] } }`.
 * `webhook-id` is derived from the batch, so every retry of a batch (even from a restarted process)
 * carries the same id: the receiver's idempotency key. Each event's `id` is one too.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { parseOptions, failConfig } from "../shared/config.js";
import { post } from "./shared/http.js";
import { type DeliveryOptions, type SendContext, type SendResult, type Sink } from "./types.js";
import { secretKey, sign } from "./standard-webhooks.js";

const optionsSchema = z
  .object({
    url: z.string().url(),
    /** `whsec_…` (Standard Webhooks): the receiver's signing secret. Required unless `unsigned: true`. */
    secret: z.string().optional(),
    /** Send unsigned requests on purpose (e.g. a receiver behind its own authentication). */
    unsigned: z.boolean().optional(),
    /** Extra headers, e.g. an Authorization header. Never logged. */
    headers: z.record(z.string(), z.string()).optional(),
    /** gzip the body (Content-Encoding: gzip); the signature covers the uncompressed JSON. */
    gzip: z.boolean().optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type WebhookSinkOptions = z.input<typeof optionsSchema>;

export function webhookSink(options: WebhookSinkOptions): Sink {
  const opts = parseOptions("webhookSink", optionsSchema, options);
  const url = new URL(opts.url);
  if (url.protocol !== "https:" && url.protocol !== "http:") failConfig(`webhookSink: url must be http(s), got ${url.protocol}. Fix: use an https:// URL.`);
  const key = signingKey(opts.secret, opts.unsigned === true);
  const extra = { ...opts.headers };
  // fetch refuses URLs with credentials in them: send them as Basic auth (unless the caller set
  // Authorization), and keep them out of the URL every diagnostic is derived from.
  if (url.username || url.password) {
    const hasAuthorization = Object.keys(extra).some((k) => k.toLowerCase() === "authorization");
    if (!hasAuthorization) extra.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  return {
    name: opts.name ?? "webhook",
    kind: "remote",
    endpoint: url.href,
    defaultDelivery: { batchSize: 100 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    async send(batch: readonly AuditEvent[], context?: SendContext): Promise<SendResult> {
      const batchId = context?.batchId ?? `${batch[0]?.chain_id}:${batch[0]?.seq}-${batch[batch.length - 1]?.seq}`;
      const id = `msg_${createHash("sha256").update(batchId).digest("base64url").slice(0, 27)}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ type: "audit.events", timestamp: new Date(timestamp * 1000).toISOString(), data: { batch_id: batchId, events: batch } });
      const headers: Record<string, string> = { ...extra, "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp) };
      if (key) headers["webhook-signature"] = sign(key, id, timestamp, body);
      if (opts.gzip) headers["content-encoding"] = "gzip";
      const { result } = await post(url, { headers, body: opts.gzip ? gzipSync(body) : body, signal: context?.signal });
      return result;
    },
  };
}

/**
 * The HMAC key, or undefined for `unsigned: true`. A forgotten secret must not quietly turn into
 * requests nobody can authenticate, so unsigned is something to ask for, never a default.
 */
function signingKey(secret: string | undefined, unsigned: boolean): Buffer | undefined {
  if (unsigned) {
    if (secret !== undefined) failConfig("webhookSink: both secret and unsigned: true were given. Fix: drop unsigned to sign with the secret, or drop secret to send unsigned requests.");
    return undefined;
  }
  if (secret === undefined) {
    failConfig(
      "webhookSink: secret is missing, so receivers could not tell our requests from anyone's. Fix: pass secret: 'whsec_…' (the receiver's signing secret), or unsigned: true to send unsigned requests on purpose.",
    );
  }
  try {
    return secretKey(secret);
  } catch (err) {
    return failConfig(`webhookSink: secret: ${(err as Error).message}. Fix: use the whsec_… secret your receiver gave you.`);
  }
}
