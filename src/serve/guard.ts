/**
 * What every request passes before a route sees it, in this order: the Host allowlist (before
 * anything else is read: a rebinding page gets nothing, not even a 404), the method, the request
 * target's form, then the token: exchanged for a cookie on pages, required everywhere.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HostAllowlist } from "./host-allowlist.js";
import { presentsToken, tokenCookie, tokenMatches } from "./auth.js";
import { parseTarget, type RequestTarget } from "./request-target.js";
import { jsonError, send } from "./responses.js";
import { isApi, pageFor } from "./routes.js";

export interface GuardOptions {
  hosts: HostAllowlist;
  token: string | undefined;
}

/** The request's target when it may go on; undefined when the guard has answered it. */
export function guard({ hosts, token }: GuardOptions, req: IncomingMessage, res: ServerResponse): RequestTarget | undefined {
  // Nothing of the request is echoed or logged here: the name is the attacker's.
  if (!hosts.allows(req.headers.host)) return void jsonError(res, 421, "this viewer does not answer to that host name (agent-audit serve --allowed-host <name>)");
  if (req.method !== "GET" && req.method !== "HEAD") return void jsonError(res, 405, "read-only: GET and HEAD only", { allow: "GET, HEAD" });
  const target = parseTarget(req.url);
  if (!target) return void jsonError(res, 400, "the request target must be a path");
  if (!token) return target;
  const given = target.query.get("token");
  if (given !== null) {
    if (isApi(target.path)) return void jsonError(res, 401, "the token is not accepted in an /api/ URL: send the cookie or Authorization: Bearer");
    if (!pageFor(target.path) || !tokenMatches(given, token)) return void jsonError(res, 401, "a valid token is required: open the URL printed by agent-audit serve");
    // Traded once for a cookie, and the address bar (and history) gets the URL without it.
    target.query.delete("token");
    const rest = target.query.toString();
    return void send(res, 303, { location: `${headerSafe(target.path)}${rest ? `?${rest}` : ""}`, "set-cookie": tokenCookie(token), "cache-control": "no-store" });
  }
  if (!presentsToken(req, token)) return void jsonError(res, 401, "a token is required: open the URL printed by agent-audit serve");
  return target;
}

/** The path as sent, with any byte a header may not carry percent-encoded as that byte. */
const headerSafe = (path: string) => path.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`);
