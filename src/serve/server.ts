/**
 * `agent-audit serve`: a small read-only web viewer over a trail (Node's own http, no framework),
 * bound to loopback by default. Beyond loopback a token is required (given or generated); every
 * request without it gets 401. Every page view is an access-log record. The pages are static files
 * shipped in the package; they call the JSON endpoints below. Nothing is fetched from a CDN.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { AuditStore } from "../store/types.js";
import { statsReport } from "../store/stats-report.js";
import { verifyTrail } from "../integrity/verify.js";
import { appendAccess, currentActor } from "../integrity/access-log.js";
import { createRedactor, type Redactor } from "../redact/redactor.js";
import { sessionRows } from "./sessions.js";

export interface ServeOptions {
  store: AuditStore;
  /** The trail directory, for the integrity badge and the access log (JSONL stores). */
  dir?: string;
  host?: string;
  port?: number;
  /** Required beyond loopback; generated if missing there. */
  token?: string;
  /** Who the token stands for in the access log (default: the OS user). */
  actor?: string;
  publicKey?: string;
}

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };
const isLoopback = (host: string) => host === "127.0.0.1" || host === "::1" || host === "localhost";

export async function serve(options: ServeOptions): Promise<{ url: string; token: string | undefined; close: () => Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(18).toString("base64url"));
  const actor = options.actor ?? currentActor();
  let integrity: { at: number; value: unknown } | undefined;
  // A page's path names a session, whose id may be an e-mail address: it is logged decoded (so
  // %40 cannot hide an @) and redacted, as the access log is append-only and outlives erasure.
  let redactor: Redactor | undefined;
  const viewedPage = (pathname: string) => {
    let decoded = pathname;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      // malformed escapes: redact the path as it came
    }
    return (redactor ??= createRedactor()).redactText(decoded);
  };

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (!token) return true;
    const given = url.searchParams.get("token") ?? /(?:^|;\s*)audit_token=([^;]+)/.exec(req.headers.cookie ?? "")?.[1] ?? (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://viewer");
    if (!authorized(req, url)) return json(res, 401, { error: "a token is required: open the URL printed by agent-audit serve" });
    // A token given in the URL becomes a cookie, so the page's own requests carry it.
    const cookie = token && url.searchParams.get("token") ? { "set-cookie": `audit_token=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    const page = url.pathname === "/" ? "sessions.html" : url.pathname.startsWith("/session/") ? "session.html" : url.pathname === "/stats" ? "stats.html" : undefined;
    if (page) {
      if (options.dir && existsSync(options.dir)) appendAccess(options.dir, { actor, action: "view", target: viewedPage(url.pathname) });
      res.writeHead(200, { "content-type": TYPES[".html"]!, "cache-control": "no-store", ...cookie, "content-security-policy": "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:" });
      return res.end(readFileSync(join(ASSETS, page)));
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      return res.end();
    }
    if (url.pathname.startsWith("/assets/")) {
      const name = url.pathname.slice("/assets/".length);
      const ext = name.slice(name.lastIndexOf("."));
      if (!/^[a-z-]+\.(js|css)$/.test(name) || !existsSync(join(ASSETS, name))) return json(res, 404, { error: "not found" });
      res.writeHead(200, { "content-type": TYPES[ext] ?? "application/octet-stream" });
      return res.end(readFileSync(join(ASSETS, name)));
    }
    const q = (k: string) => url.searchParams.get(k) || undefined;
    const date = (k: string) => (q(k) ? new Date(q(k)!) : undefined);
    if (url.pathname === "/api/sessions") {
      return json(res, 200, await sessionRows(options.store, { userId: q("user"), since: date("since"), until: date("until"), errorsOnly: q("errors") === "1", text: q("q") }));
    }
    if (url.pathname.startsWith("/api/sessions/")) {
      const id = decodeURIComponent(url.pathname.slice("/api/sessions/".length));
      const events = [];
      for await (const e of options.store.events({ sessionId: id })) events.push(e);
      return events.length ? json(res, 200, events) : json(res, 404, { error: `no session "${id}"` });
    }
    if (url.pathname === "/api/stats") return json(res, 200, await statsReport(options.store, { since: date("since"), until: date("until") }));
    if (url.pathname === "/api/integrity") {
      if (!options.dir) return json(res, 200, { available: false, reason: "integrity is verified on the JSONL trail (agent-audit verify)" });
      if (!integrity || Date.now() - integrity.at > 30_000) {
        const r = await verifyTrail(options.dir, { publicKey: options.publicKey });
        integrity = { at: Date.now(), value: { available: true, ok: r.ok, events: r.events, problems: r.problems.length, first_problem: r.problems[0], trusted_key: r.publicKeyTrusted, chains: r.chains.map((c) => ({ chain_id: c.chain_id, verified_to: c.verified_to, erased: c.erased })) } };
      }
      return json(res, 200, integrity.value);
    }
    return json(res, 404, { error: "not found" });
  };

  const server = createServer((req, res) => {
    if (req.method !== "GET") return json(res, 405, { error: "read-only" });
    handle(req, res).catch((err: Error) => json(res, 500, { error: err.message }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 4319, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ""}`,
    token,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
