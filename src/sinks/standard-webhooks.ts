/**
 * Standard Webhooks (https://www.standardwebhooks.com), both ends. The sender (`webhookSink`) puts
 * `webhook-id`, `webhook-timestamp` (unix seconds) and
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` on each request,
 * with the key shared as `whsec_<base64>`. The receiver (`verifyWebhook`) checks the signature,
 * rejects timestamps outside a tolerance, and rejects an id it has already accepted: the timestamp
 * alone only bounds how long a captured request can be replayed, it does not stop the replay.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "zod";
import { parseOptions } from "../shared/config.js";

const PREFIX = "whsec_";
const DEFAULT_TOLERANCE_SECONDS = 300;
const DEFAULT_MAX_IDS = 100_000;
// A timestamp is accepted while now is within ±tolerance of it, a window of 2× the tolerance; an id
// first accepted anywhere in that window must be remembered until the window closes.
const DEFAULT_TTL_SECONDS = 2 * DEFAULT_TOLERANCE_SECONDS + 1;

/** The HMAC key inside a `whsec_…` secret; throws with the fix if it is not one. */
export function secretKey(secret: string): Buffer {
  if (typeof secret !== "string" || !secret.startsWith(PREFIX)) throw new TypeError('the secret must look like "whsec_" followed by base64 (Standard Webhooks)');
  const key = Buffer.from(secret.slice(PREFIX.length), "base64");
  if (key.length < 24 || key.length > 64) throw new TypeError("the secret must hold 24 to 64 bytes of base64 after whsec_");
  return key;
}

/**
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`. The body is hashed as given (a Buffer
 * byte for byte), so a receiver holding the raw bytes never depends on how they decode.
 */
export function sign(key: Buffer, id: string, timestamp: number | string, body: string | Uint8Array): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}

// --- errors ------------------------------------------------------------------------------------------

/**
 * Why a request was refused, for code (the message is for people):
 * - `missing_header`: webhook-id, webhook-timestamp or webhook-signature is absent or empty;
 * - `bad_timestamp`: webhook-timestamp is not unix seconds written as plain digits;
 * - `expired`: the timestamp is further than the tolerance from now (too old, or in the future);
 * - `bad_signature`: no v1 signature matches (wrong secret, or the id, timestamp or body changed);
 * - `bad_body`: the signature matches but the body is not JSON;
 * - `replayed`: a genuine request whose webhook-id was already accepted.
 */
export type WebhookVerificationErrorCode = "missing_header" | "bad_timestamp" | "expired" | "bad_signature" | "replayed" | "bad_body";

export class WebhookVerificationError extends Error {
  override name = "WebhookVerificationError";
  readonly code: WebhookVerificationErrorCode;
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

// --- replay guard ------------------------------------------------------------------------------------

/** Remembers accepted webhook ids, so that a second request with one of them is refused. */
export interface ReplayGuard {
  /**
   * True if `id` was already accepted (and is still remembered); otherwise remembers it and returns
   * false. `ttlSeconds` asks to keep this id at least that long (verifyWebhook passes 2× its
   * tolerance); the guard's own `ttlSeconds` is the floor.
   */
  seen(id: string, ttlSeconds?: number): boolean;
  /** Forgets `id`, so that a retry carrying it is accepted again. True if it was remembered. */
  forget(id: string): boolean;
  /** Ids held now (some may have expired but not been swept yet); never more than `maxIds`. */
  readonly size: number;
}

const replayGuardOptionsSchema = z
  .object({
    /** Most ids remembered; past it the oldest accepted is evicted (default 100,000). */
    maxIds: z.number().int().positive().optional(),
    /** How long an id is remembered at least (default 601 s: 2× the default tolerance, plus a second for rounding). */
    ttlSeconds: z.number().positive().optional(),
    /** The clock in milliseconds (default Date.now), for tests. */
    clock: z.custom<() => number>((v) => typeof v === "function", { message: "expected a function () => milliseconds" }).optional(),
  })
  .strict();
export type ReplayGuardOptions = z.input<typeof replayGuardOptionsSchema>;

/**
 * An in-memory, bounded replay guard: at most `maxIds` ids, each kept for `ttlSeconds` (after which
 * its timestamp is outside the tolerance anyway). When full, the oldest accepted id is evicted
 * first, so memory stays bounded even under a flood of genuine requests; set `maxIds` above the most
 * deliveries you accept in 2× the tolerance, so that no id that is still replayable is evicted. For several
 * receiver processes, share a store instead (see `seen` in verifyWebhook).
 */
export function createReplayGuard(options: ReplayGuardOptions = {}): ReplayGuard {
  const opts = parseOptions("createReplayGuard", replayGuardOptionsSchema, options);
  const maxIds = opts.maxIds ?? DEFAULT_MAX_IDS;
  const floorMs = (opts.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
  const clock = opts.clock ?? Date.now;
  // id → expiry (ms). A Map iterates in insertion order, so its first key is the oldest accepted id:
  // expiry and eviction both work from the front, O(1) per id.
  const expiries = new Map<string, number>();

  const dropExpired = (now: number): void => {
    for (const [id, expiry] of expiries) {
      // Stop at the first live id: the rest were accepted later. One that expired behind a longer-
      // lived id stays until seen() finds it expired or eviction reaches it; maxIds bounds both.
      if (expiry > now) break;
      expiries.delete(id);
    }
  };
  const evictOldest = (): void => {
    const oldest = expiries.keys().next();
    if (!oldest.done) expiries.delete(oldest.value);
  };

  return {
    seen(id, ttlSeconds) {
      const now = clock();
      dropExpired(now);
      const expiry = expiries.get(id);
      if (expiry !== undefined && expiry > now) return true;
      expiries.delete(id); // an expired entry re-enters at the back, in acceptance order
      while (expiries.size >= maxIds) evictOldest();
      const ttlMs = ttlSeconds !== undefined && Number.isFinite(ttlSeconds) ? Math.max(floorMs, ttlSeconds * 1000) : floorMs;
      expiries.set(id, now + ttlMs);
      return false;
    },
    forget: (id) => expiries.delete(id),
    get size() {
      dropExpired(clock());
      return expiries.size;
    },
  };
}

/** The process-wide guard verifyWebhook uses when no `seen` is given. */
const defaultGuard = createReplayGuard();

/**
 * Forgets an id in the default guard: call it when processing a verified request failed and you
 * answer 5xx, so that the sender's retry (same webhook-id) is accepted instead of `replayed`.
 */
export function forgetWebhookId(id: string): boolean {
  return defaultGuard.forget(id);
}

// --- verification ------------------------------------------------------------------------------------

type RequestHeaders = Record<string, string | string[] | undefined> | Headers;

interface VerifyWebhookCommon {
  /** The `whsec_…` secret shared with the sender. */
  secret: string;
  /** Request headers (any case): Node's `req.headers`, or a fetch `Headers`. */
  headers: RequestHeaders;
  /** The raw request body, exactly as received (decompressed if it was gzipped); not parsed JSON. */
  body: string | Uint8Array;
  /** Accepted clock difference in seconds, either way (default 300). */
  toleranceSeconds?: number;
  /** The current time in milliseconds (default Date.now()). */
  now?: number;
}

export interface VerifyWebhookInput extends VerifyWebhookCommon {
  /**
   * The replay check, for a store shared by several processes: return true if `id` was already
   * accepted, otherwise remember it (for `ttlSeconds`) and return false. Called only once the
   * signature has verified. Default: a process-wide in-memory guard (see createReplayGuard).
   */
  seen?: (id: string, ttlSeconds: number) => boolean;
}

export interface VerifyWebhookAsyncInput extends VerifyWebhookCommon {
  /** As in verifyWebhook, but may answer with a promise (e.g. Redis `SET key 1 NX EX ttl`). */
  seen?: (id: string, ttlSeconds: number) => boolean | Promise<boolean>;
}

/**
 * Verifies a delivery from `webhookSink` (or any Standard Webhooks sender) and returns the parsed
 * JSON body. Throws `WebhookVerificationError` (see its `code`) when a header is missing, the
 * timestamp is not plain digits or is outside the tolerance, no signature matches, the body is not
 * JSON, or the webhook-id was already accepted. The id is recorded as accepted only after the rest
 * passed, so a forged request cannot burn a genuine id. Throws TypeError for a programming mistake
 * (bad secret, parsed body, a `seen` that is async: use verifyWebhookAsync).
 */
export function verifyWebhook(input: VerifyWebhookInput): unknown {
  const seen = seenOf(input.seen, "verifyWebhook");
  if (isAsyncFunction(seen)) throw asyncSeenError();
  const verified = authenticate(input);
  const answer: unknown = seen(verified.id, verified.ttlSeconds);
  if (isThenable(answer)) {
    answer.then(undefined, () => {}); // ours to refuse, not an unhandled rejection to crash on
    throw asyncSeenError();
  }
  return accept(verified, answer);
}

/** verifyWebhook for a `seen` that answers with a promise (a shared store such as Redis). */
export async function verifyWebhookAsync(input: VerifyWebhookAsyncInput): Promise<unknown> {
  const seen = seenOf(input.seen, "verifyWebhookAsync");
  const verified = authenticate(input);
  return accept(verified, await seen(verified.id, verified.ttlSeconds));
}

interface Authenticated {
  id: string;
  payload: unknown;
  /** How long the id must be remembered: until its timestamp leaves the tolerance window. */
  ttlSeconds: number;
}

/** Every check but the replay one; records nothing, so it can run on any request. */
function authenticate(input: VerifyWebhookCommon): Authenticated {
  const key = secretKey(input.secret);
  const tolerance = toleranceOf(input.toleranceSeconds);
  const nowMs = input.now ?? Date.now();
  if (typeof nowMs !== "number" || !Number.isFinite(nowMs)) throw new TypeError("verifyWebhook: now must be a time in milliseconds, e.g. Date.now()");
  const body = rawBody(input.body);
  const { id, timestamp, signatures } = requiredHeaders(input.headers);
  checkTimestamp(timestamp, Math.floor(nowMs / 1000), tolerance);
  // Signed over the header text itself: it is plain digits, so text and number are one spelling.
  if (!signatureMatches(sign(key, id, timestamp, body).slice("v1,".length), signatures)) {
    throw new WebhookVerificationError("bad_signature", "no webhook-signature matches: the secret differs, or the id, timestamp or body was changed on the way");
  }
  // One second more than the window, for timestamps rounded to whole seconds at either end.
  return { id, payload: parseBody(body), ttlSeconds: 2 * tolerance + 1 };
}

function accept(verified: Authenticated, replayed: unknown): unknown {
  if (typeof replayed !== "boolean") throw new TypeError(`seen must return true (already accepted) or false (new, now remembered); it returned ${typeof replayed}`);
  if (replayed) {
    throw new WebhookVerificationError(
      "replayed",
      `webhook-id ${JSON.stringify(verified.id)} was already accepted: a replay, or the sender retrying a delivery you processed (answer 2xx so it stops)`,
    );
  }
  return verified.payload;
}

function seenOf<F extends (id: string, ttlSeconds: number) => unknown>(seen: F | undefined, where: string): F | ReplayGuard["seen"] {
  if (seen === undefined) return defaultGuard.seen;
  if (typeof seen !== "function") throw new TypeError(`${where}: seen must be a function (id, ttlSeconds) => boolean`);
  return seen;
}

function asyncSeenError(): TypeError {
  return new TypeError(
    "verifyWebhook: seen returned a Promise, but this function must answer synchronously. Fix: use verifyWebhookAsync with an async seen (e.g. a Redis store).",
  );
}

// An async function is refused before it runs: once it ran, the store may have recorded the id.
function isAsyncFunction(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === "[object AsyncFunction]";
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null && typeof (v as PromiseLike<unknown>).then === "function";
}

function toleranceOf(tolerance: number | undefined): number {
  if (tolerance === undefined) return DEFAULT_TOLERANCE_SECONDS;
  // NaN would make every comparison false, i.e. accept any timestamp: refuse it loudly.
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new TypeError(`verifyWebhook: toleranceSeconds must be a non-negative number of seconds, got ${String(tolerance)}`);
  }
  return tolerance;
}

// A JSON body parser that ran first hands us an object: re-serializing it would not give the bytes
// that were signed, so say what to do instead of failing as a bad signature.
function rawBody(body: unknown): string | Uint8Array {
  if (typeof body === "string" || body instanceof Uint8Array) return body;
  throw new TypeError(
    `verifyWebhook: body must be the raw request body (a string or Buffer) exactly as received, got ${body === null ? "null" : typeof body}. Fix: read it raw, e.g. express.raw({ type: "application/json" }).`,
  );
}

function header(headers: RequestHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.hasOwn(headers, name) ? name : Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  return Array.isArray(v) ? v[0] : v;
}

function requiredHeaders(headers: RequestHeaders): { id: string; timestamp: string; signatures: string } {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (id && timestamp && signatures) return { id, timestamp, signatures };
  const missing = [["webhook-id", id], ["webhook-timestamp", timestamp], ["webhook-signature", signatures]].filter(([, v]) => !v).map(([name]) => name);
  throw new WebhookVerificationError("missing_header", `missing header${missing.length > 1 ? "s" : ""} ${missing.join(", ")} (not a Standard Webhooks request)`);
}

// Unix seconds as plain decimal digits, no leading zeros: Number() would also take " 1700000000 ",
// "1.7e9", "0x65" or "+1700000000", and the signature covers the header text, so one instant must
// have one spelling.
const TIMESTAMP = /^(?:0|[1-9][0-9]*)$/;

function checkTimestamp(text: string, nowSeconds: number, tolerance: number): void {
  const seconds = TIMESTAMP.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seconds)) {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    throw new WebhookVerificationError("bad_timestamp", `webhook-timestamp must be whole unix seconds written as plain digits, got ${shown}`);
  }
  const age = nowSeconds - seconds;
  if (age > tolerance) {
    throw new WebhookVerificationError("expired", `webhook-timestamp is ${age} s old, beyond the tolerance of ${tolerance} s (a replay, or the sender's clock is behind)`);
  }
  if (-age > tolerance) {
    throw new WebhookVerificationError("expired", `webhook-timestamp is ${-age} s in the future, beyond the tolerance of ${tolerance} s (the sender's clock is ahead)`);
  }
}

/** Whether any `v1,<base64>` entry of the space-separated list equals `expected` (constant time each). */
function signatureMatches(expected: string, header: string): boolean {
  const want = Buffer.from(expected);
  return header.split(" ").some((entry) => {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") return false; // other versions are not ours to judge
    const given = Buffer.from(entry.slice(comma + 1));
    return given.length === want.length && timingSafeEqual(given, want);
  });
}

function parseBody(body: string | Uint8Array): unknown {
  const text = typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new WebhookVerificationError("bad_body", "the body is signed but is not JSON (was it still gzipped? verify the decompressed body)");
  }
}
