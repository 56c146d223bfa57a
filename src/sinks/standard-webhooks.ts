/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the receiver checks
 * `webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>` with the secret
 * shared as `whsec_<base64>`, and rejects timestamps outside a tolerance (replays).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "whsec_";

/** The HMAC key inside a `whsec_…` secret; throws with the fix if it is not one. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new TypeError('the secret must look like "whsec_" followed by base64 (Standard Webhooks)');
  const key = Buffer.from(secret.slice(PREFIX.length), "base64");
  if (key.length < 24 || key.length > 64) throw new TypeError("the secret must hold 24 to 64 bytes of base64 after whsec_");
  return key;
}

export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
}

export interface VerifyWebhookInput {
  /** The `whsec_…` secret shared with the sender. */
  secret: string;
  /** Request headers (any case). */
  headers: Record<string, string | string[] | undefined> | Headers;
  /** The raw request body, exactly as received (decompressed if it was gzipped). */
  body: string | Buffer;
  /** Accepted clock difference in seconds (default 300). */
  toleranceSeconds?: number;
  now?: number;
}

/**
 * Verifies a delivery from `webhookSink` (or any Standard Webhooks sender). Returns the parsed
 * JSON body; throws `WebhookVerificationError` when a header is missing, the timestamp is outside
 * the tolerance, or no signature matches.
 */
export function verifyWebhook(input: VerifyWebhookInput): unknown {
  const header = (name: string): string | undefined => {
    if (input.headers instanceof Headers) return input.headers.get(name) ?? undefined;
    const key = Object.keys(input.headers).find((k) => k.toLowerCase() === name);
    const v = key === undefined ? undefined : input.headers[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = header("webhook-id");
  const timestamp = header("webhook-timestamp");
  const signatures = header("webhook-signature");
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature header");
  const ts = Number(timestamp);
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  const tolerance = input.toleranceSeconds ?? 300;
  if (!Number.isInteger(ts) || Math.abs(now - ts) > tolerance) throw new WebhookVerificationError("timestamp outside the tolerance (a replay, or a clock far off)");
  const body = typeof input.body === "string" ? input.body : input.body.toString("utf8");
  const expected = Buffer.from(sign(secretKey(input.secret), id, ts, body).slice(3), "base64");
  const ok = signatures.split(" ").some((s) => {
    const [version, value] = s.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookVerificationError("no matching signature");
  return JSON.parse(body);
}
