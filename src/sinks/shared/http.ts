/**
 * One POST and its verdict in the delivery layer's terms: 2xx ok; 408, 429 and 5xx retryable
 * (with Retry-After); other statuses permanent; transport failures retryable. Error texts name the
 * destination by scheme, host and port only and quote no transport message: those can carry URLs,
 * query strings and headers with credentials.
 */
import { parseRetryAfter } from "../../pipeline/backoff.js";
import { OK, type SendResult } from "../types.js";
import { endpointLabel } from "./endpoint.js";

export interface PostOutcome {
  result: SendResult;
  /** The response, when one came (for bodies that carry per-item results). */
  response?: Response;
  body?: string;
}

export async function post(url: URL | string, init: { headers: Record<string, string>; body: string | Uint8Array; signal?: AbortSignal }, readBody = false): Promise<PostOutcome> {
  const where = endpointLabel(url) ?? "the destination";
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: init.headers, body: init.body, signal: init.signal });
  } catch (err) {
    return { result: { ok: false, retryable: true, error: `cannot reach ${where}: ${transportCode(err)}` } };
  }
  // Read (or drain) the body so the connection can be reused.
  const body = await response.text().catch(() => "");
  return { result: statusResult(response.status, response.statusText, response.headers.get("retry-after"), where), response, body: readBody ? body : undefined };
}

export function statusResult(status: number, statusText: string, retryAfter: string | null | undefined, where: string): SendResult {
  if (status >= 200 && status < 300) return OK;
  return {
    ok: false,
    retryable: status === 408 || status === 429 || status >= 500,
    retryAfterMs: parseRetryAfter(retryAfter),
    error: `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${where}`,
  };
}

/** A transport failure's code (ECONNRESET, ENOTFOUND...) or name, never its message. */
export function transportCode(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return "aborted";
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? "network error";
}
