/**
 * The viewer's token: who may read. Pages take it once from the URL the CLI printed and trade it
 * for a cookie (so it leaves the address bar, the history and any Referer); the JSON API takes the
 * cookie or `Authorization: Bearer`, never the URL (where proxies and logs would keep it).
 */
import type { IncomingMessage } from "node:http";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const COOKIE = "audit_token";

/** Digests first: equal lengths for timingSafeEqual, and no timing on the token's length either. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The cookie holds a MAC of the token, not the token: always cookie-safe whatever characters
 * `--token` has, and stable across restarts with the same token.
 */
const cookieValue = (token: string) => createHmac("sha256", token).update("agent-audit viewer cookie").digest("base64url");

export const tokenCookie = (token: string) => `${COOKIE}=${cookieValue(token)}; HttpOnly; SameSite=Strict; Path=/`;

function cookieFrom(header: string | undefined): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const bearerFrom = (header: string | undefined) => /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "")?.[1];

/** The cookie or the Bearer header (either one valid is enough). */
export function presentsToken(req: IncomingMessage, token: string): boolean {
  const cookie = cookieFrom(req.headers.cookie);
  const bearer = bearerFrom(req.headers.authorization);
  // Both are checked whatever the first gives, so timing does not tell which one was tried.
  const byCookie = cookie !== undefined && sameSecret(cookie, cookieValue(token));
  const byBearer = bearer !== undefined && sameSecret(bearer, token);
  return byCookie || byBearer;
}

export const tokenMatches = (given: string, token: string) => sameSecret(given, token);
