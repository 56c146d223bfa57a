/**
 * One POST and its verdict in the delivery layer's terms: 2xx ok; 408, 429 and 5xx retryable
 * (with Retry-After); other statuses permanent; transport failures retryable. Error texts name the
 * destination by scheme, host and port only and quote no transport message: those can carry URLs,
 * query strings and headers with credentials.
 *
 * Requests go through node:http(s) with their sockets unref'd: background delivery never keeps a
 * process alive on its own (a hung destination would otherwise hold a finished script open until
 * the request timed out). What keeps a process alive while delivery matters is an explicit
 * `flush()` or `shutdown()`, whose deadline timer is ref'd, and the exit flush on `beforeExit`.
 */
// Looked up on the module objects at call time, so HTTP test doubles (nock) can stand in for them.
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { parseRetryAfter } from "../../shared/backoff.js";
import { OK, type SendResult } from "../types.js";
import { endpointLabel } from "./endpoint.js";

export interface PostOutcome {
  result: SendResult;
  /** The response status, when one came. */
  status?: number;
  /** The response body, when asked for (for bodies that carry per-item results). */
  body?: string;
}

// Keep-alive connections are reused across batches; idle ones never hold the process either.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export function post(url: URL | string, init: { headers: Record<string, string>; body: string | Uint8Array; signal?: AbortSignal }, readBody = false): Promise<PostOutcome> {
  const target = new URL(url);
  const where = endpointLabel(target) ?? "the destination";
  const unreachable = (err: unknown): PostOutcome => ({ result: { ok: false, retryable: true, error: `cannot reach ${where}: ${transportCode(err)}` } });
  if (target.protocol !== "http:" && target.protocol !== "https:") return Promise.resolve(unreachable({ code: "unsupported protocol" }));
  const body = typeof init.body === "string" ? Buffer.from(init.body) : Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  const secure = target.protocol === "https:";
  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const done = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      // Read (or drain) the body so the connection can be reused; a body cut short still has a status.
      const finish = () => {
        const status = res.statusCode ?? 0;
        const retryAfter = res.headers["retry-after"];
        done({ result: statusResult(status, res.statusMessage ?? "", Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, where), status, body: readBody ? Buffer.concat(chunks).toString("utf8") : undefined });
      };
      res.on("data", (chunk: Buffer) => {
        if (readBody) chunks.push(chunk);
      });
      res.on("end", finish);
      res.on("error", finish);
      res.on("aborted", finish);
    };
    let req;
    try {
      const options = { method: "POST", headers: { ...init.headers, "content-length": String(body.length) }, agent: secure ? agents.https : agents.http, signal: init.signal };
      req = secure ? https.request(target, options, onResponse) : http.request(target, options, onResponse);
    } catch (err) {
      done(unreachable(err));
      return;
    }
    req.on("socket", (socket) => socket.unref());
    req.on("error", (err) => done(unreachable(err)));
    req.end(body);
  });
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
  if (e?.name === "AbortError" || e?.name === "TimeoutError" || e?.code === "ABORT_ERR") return "aborted";
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? "network error";
}
