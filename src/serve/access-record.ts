/**
 * What the viewer writes to the trail's access log: every page view and every API read, with
 * the actor the token stands for. A path names a session, whose id may be an e-mail address, and
 * the sessions list's filters name users and search text: they are logged decoded (so %40 cannot
 * hide an @) and redacted, as the access log is append-only and outlives erasure.
 */
import { existsSync } from "node:fs";
import { appendAccess } from "../integrity/access-log.js";
import { createRedactor, type Redactor } from "../redact/redactor.js";
import { decodeSegment } from "./request-target.js";

/** The filters that choose what a read returns (paging parameters do not). */
const SELECTING = ["user", "since", "until", "errors", "q"];

export type AccessLogger = (action: "view" | "api", path: string, query?: URLSearchParams) => void;

export function accessLogger(dir: string | undefined, actor: string): AccessLogger {
  let redactor: Redactor | undefined;
  return (action, path, query) => {
    if (!dir || !existsSync(dir)) return;
    const filters = query ? SELECTING.flatMap((k) => (query.get(k) ? [`${k}=${query.get(k)}`] : [])).join("&") : "";
    const target = `${decodeSegment(path) ?? path}${filters ? `?${filters}` : ""}`;
    appendAccess(dir, { actor, action, target: (redactor ??= createRedactor()).redactText(target) });
  };
}
