/**
 * `agent-audit serve`: a small read-only web viewer over a trail (Node's own http, no framework),
 * bound to loopback by default. This module wires it: options, the guard (host, method, token),
 * the routes, and the one place an unexpected failure is turned into a 500 without details.
 * Beyond loopback a token is required (given or generated). The pages are static files shipped
 * in the package; they call the JSON API. Nothing is fetched from a CDN.
 */
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { AuditStore } from "../store/types.js";
import { currentActor } from "../integrity/access-log.js";
import { accessLogger } from "./access-record.js";
import { guard } from "./guard.js";
import { hostAllowlist } from "./host-allowlist.js";
import { integrityBadge } from "./integrity-badge.js";
import { jsonError } from "./responses.js";
import { route, type RouteContext } from "./routes.js";

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
  /**
   * Host names the viewer answers besides its bound address (and loopback names on loopback):
   * `audit.internal` (any port) or `audit.internal:8443`. Any other `Host` gets 421.
   */
  allowedHosts?: readonly string[];
  /** Unexpected failures (a store that cannot be read); the client only sees "internal error". */
  onError?: (err: Error) => void;
}

const isLoopback = (host: string) => host === "127.0.0.1" || host === "::1" || host === "localhost";

export async function serve(options: ServeOptions): Promise<{ url: string; token: string | undefined; close: () => Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? (isLoopback(host) ? undefined : randomBytes(18).toString("base64url"));
  // Checked before listening, so a bad name fails the command instead of every request.
  hostAllowlist(host, 0, options.allowedHosts);
  const ctx: RouteContext = { store: options.store, log: accessLogger(options.dir, options.actor ?? currentActor()), integrity: integrityBadge(options.dir, options.publicKey) };
  // Set once listening (the allowlist needs the port port 0 became); no request can arrive before.
  let guardOptions: Parameters<typeof guard>[0] | undefined;

  const server = createServer((req, res) => {
    const fail = (err: Error) => {
      options.onError?.(err);
      if (!res.headersSent) jsonError(res, 500, "internal error");
      else res.destroy();
    };
    try {
      const target = guard(guardOptions!, req, res);
      if (target) route(ctx, target, res).catch(fail);
    } catch (err) {
      fail(err as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4319, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  guardOptions = { hosts: hostAllowlist(host, port, options.allowedHosts), token };
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ""}`,
    token,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        // Idle keep-alive connections would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
