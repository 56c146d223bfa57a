/**
 * What the viewer answers, once the guard has let a request through: the three pages, their
 * static assets, and the paginated JSON API (the contract is in the README's viewer section).
 * Every parameter is checked before the store is asked, and every read is access-logged.
 */
import type { ServerResponse } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { AuditStore } from "../store/types.js";
import { statsReport } from "../store/stats-report.js";
import type { AccessLogger } from "./access-record.js";
import { readEventsCursor, readSessionsCursor } from "./cursor.js";
import { BadParam, dateParam, flagParam, limitParam, textParam } from "./query-params.js";
import { decodeSegment, type RequestTarget } from "./request-target.js";
import { PAGE_CSP, json, jsonError, send } from "./responses.js";
import { pageOfEvents, sessionsPage } from "./sessions.js";

const ASSETS = fileURLToPath(new URL("./assets/", import.meta.url));
const ASSET_TYPES: Record<string, string> = { js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
const SESSION_PAGE = "/session/";
const SESSION_API = "/api/sessions/";

export interface RouteContext {
  store: AuditStore;
  log: AccessLogger;
  integrity: () => Promise<unknown>;
}

/** The HTML file a path shows, if it is a page (the session page's id is checked by `route`). */
export function pageFor(path: string): string | undefined {
  if (path === "/") return "sessions.html";
  if (path === "/stats") return "stats.html";
  if (path.startsWith(SESSION_PAGE)) return "session.html";
  return undefined;
}

export const isApi = (path: string) => path.startsWith("/api/");

export async function route(ctx: RouteContext, { path, query }: RequestTarget, res: ServerResponse): Promise<void> {
  try {
    const page = pageFor(path);
    if (page) return servePage(ctx, page, path, res);
    if (path === "/favicon.ico") return send(res, 204, {});
    if (path.startsWith("/assets/")) return serveAsset(path.slice("/assets/".length), res);
    if (path === "/api/sessions") return await sessionsList(ctx, path, query, res);
    if (path.startsWith(SESSION_API)) return await sessionEvents(ctx, path, query, res);
    if (path === "/api/stats") {
      const filter = { since: dateParam(query, "since"), until: dateParam(query, "until") };
      ctx.log("api", path, query);
      return json(res, 200, await statsReport(ctx.store, filter));
    }
    if (path === "/api/integrity") {
      ctx.log("api", path);
      return json(res, 200, await ctx.integrity());
    }
    return jsonError(res, 404, "not found");
  } catch (err) {
    if (err instanceof BadParam) return jsonError(res, 400, err.message);
    throw err;
  }
}

function servePage(ctx: RouteContext, page: string, path: string, res: ServerResponse): void {
  if (path.startsWith(SESSION_PAGE)) {
    const id = decodeSegment(path.slice(SESSION_PAGE.length));
    if (id === undefined) return jsonError(res, 400, "the session id in the path is not valid percent-encoded UTF-8");
    if (id === "") return jsonError(res, 404, "not found");
  }
  ctx.log("view", path);
  send(res, 200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": PAGE_CSP }, readFileSync(join(ASSETS, page)));
}

function serveAsset(name: string, res: ServerResponse): void {
  const m = /^[a-z-]+\.(js|css)$/.exec(name);
  if (!m || !existsSync(join(ASSETS, name))) return jsonError(res, 404, "not found");
  send(res, 200, { "content-type": ASSET_TYPES[m[1]!]!, "cache-control": "no-cache" }, readFileSync(join(ASSETS, name)));
}

async function sessionsList(ctx: RouteContext, path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const limit = limitParam(query, 50, 500);
  const after = readSessionsCursor(query.get("cursor"));
  const filter = { userId: textParam(query, "user"), since: dateParam(query, "since"), until: dateParam(query, "until"), errorsOnly: flagParam(query, "errors"), text: textParam(query, "q") };
  ctx.log("api", path, query);
  json(res, 200, await sessionsPage(ctx.store, filter, limit, after));
}

async function sessionEvents(ctx: RouteContext, path: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const segment = path.slice(SESSION_API.length);
  // An id is one segment: a "/" inside it arrives encoded (%2F).
  if (segment === "" || segment.includes("/")) return jsonError(res, 404, "not found");
  const id = decodeSegment(segment);
  if (id === undefined) return jsonError(res, 400, "the session id in the path is not valid percent-encoded UTF-8");
  const limit = limitParam(query, 500, 2000);
  const after = readEventsCursor(query.get("cursor"));
  ctx.log("api", path);
  const page = await pageOfEvents(ctx.store, id, limit, after);
  if (!after && page.events.length === 0) return jsonError(res, 404, "no such session");
  json(res, 200, page);
}
