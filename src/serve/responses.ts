/**
 * Every answer the viewer sends goes through here, so every one carries the same protective
 * headers and an exact Content-Length (a HEAD answer then matches its GET: Node drops the body).
 */
import type { ServerResponse } from "node:http";

/**
 * On every answer: page URLs name sessions (ids may be e-mail addresses), so no Referer leaves
 * them; no content sniffing; no framing (clickjacking); no reading by other origins' pages.
 */
const ALWAYS: Record<string, string> = {
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
};
/** The pages load only this server's own script, styles and images; nothing inline. */
export const PAGE_CSP = "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** Everything that is not a page (JSON, script, styles) never renders as a document. */
const NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'";

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer = ""): void {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { ...ALWAYS, "content-security-policy": NOTHING_CSP, ...headers, "content-length": String(bytes.length) });
  res.end(bytes);
}

/** JSON answers, never cached: they are trail content. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(res, status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers }, JSON.stringify(body));
}

export const jsonError = (res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}) => json(res, status, { error }, headers);
