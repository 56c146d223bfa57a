// `agent-audit serve` left running: what a hostile page, a careless client or random bytes can
// get out of it. Against a real server on port 0 (raw node:http requests, so Host, methods and
// malformed targets go out exactly as written), and the CLI in a child process for --allowed-host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request, Agent, type IncomingHttpHeaders } from "node:http";
import { connect } from "node:net";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { serve } from "../../src/serve/server.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { accessLogFile, verifyAccessLog } from "../../src/integrity/access-log.js";
import { AuditConfigError } from "../../src/shared/config.js";
import { tempDir } from "../helpers.js";
import { seeded } from "../faults/harness.js";

const TOKEN = "s3cret-token-value";
const EMAIL_SESSION = "alice@example.com";
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

let dir: string;
let guarded: Awaited<ReturnType<typeof serve>>;
let open: Awaited<ReturnType<typeof serve>>;
let port: number;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request exactly as written: any method, any target, any Host. */
function raw(p: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: p, method, path, headers: { host: `127.0.0.1:${p}`, ...headers }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}
const bearer = { authorization: `Bearer ${TOKEN}` };
const get = (path: string, headers: Record<string, string> = bearer) => raw(port, "GET", path, headers);
const accessLines = () => (existsSync(accessLogFile(dir)) ? readFileSync(accessLogFile(dir), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { actor: string; action: string; target?: string }) : []);

beforeAll(async () => {
  dir = tempDir("audit-serve-guard-");
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
  // One long session whose id is an e-mail address (events recorded in a tight loop share
  // milliseconds, which the events cursor must step through), and a few short ones.
  trail.record({ type: "input", data: { content: "first question" }, session_id: EMAIL_SESSION, user_id: "user_1" });
  for (let i = 0; i < 40; i++) trail.record({ type: "custom", name: `step ${i}`, data: { i }, session_id: EMAIL_SESSION, user_id: "user_1" });
  for (let s = 1; s <= 7; s++) {
    trail.record({ type: "input", data: { content: `question ${s}` }, session_id: `s-${s}`, user_id: s % 2 ? "user_odd" : "user_even" });
    trail.record({ type: "output", data: { content: `answer ${s}` }, session_id: `s-${s}`, user_id: s % 2 ? "user_odd" : "user_even" });
  }
  await trail.shutdown();
  guarded = await serve({ store: new JsonlStore(dir), dir, port: 0, token: TOKEN, actor: "reviewer", allowedHosts: ["audit.internal", "box.lan:8443"] });
  port = Number(new URL(guarded.url).port);
  open = await serve({ store: new JsonlStore(dir), dir, port: 0 });
});
afterAll(async () => {
  await guarded?.close();
  await open?.close();
  agent.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Host allowlist (DNS rebinding)", () => {
  it("answers the bound address, loopback names on its port and --allowed-host names; refuses any other Host with 421 before auth or method", async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, "audit.internal", "audit.internal:1234", "box.lan:8443"]) {
      expect((await get("/api/sessions", { ...bearer, host })).status, host).toBe(200);
    }
    const before = accessLines().length;
    for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost:${port + 1}`, "localhost", "box.lan:80", "box.lan", `audit.internal.evil:${port}`, "a b", `127.0.0.1:${port}@evil`]) {
      const answer = await get("/api/sessions", { ...bearer, host });
      expect(answer.status, host).toBe(421);
      expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) });
      expect(answer.body).not.toContain(EMAIL_SESSION);
      expect(answer.body).not.toContain("evil");
    }
    // Before the method and the token: a rebinding page learns nothing, not even a 405 or 401.
    expect((await raw(port, "POST", "/", { host: "evil.example" })).status).toBe(421);
    expect((await raw(port, "GET", "/", { host: "evil.example" })).status).toBe(421);
    // The loopback viewer without a token is guarded the same way.
    const openPort = Number(new URL(open.url).port);
    expect((await raw(openPort, "GET", "/api/sessions", { host: `rebind.evil:${openPort}` })).status).toBe(421);
    // Refused requests leave nothing in the access log (the name is the attacker's)…
    expect(accessLines().length).toBe(before);
    // …while an answered one is logged: the count above could move.
    expect((await raw(openPort, "GET", "/api/sessions")).status).toBe(200);
    expect(accessLines().length).toBe(before + 1);
  });

  it("refuses a request with no Host at all (HTTP/1.0), or an empty one", async () => {
    const send = (text: string) =>
      new Promise<string>((resolve, reject) => {
        // Written, not ended: HTTP/1.0 has the server close the connection after its answer.
        const socket = connect(port, "127.0.0.1", () => socket.write(text));
        let answer = "";
        socket.on("data", (c) => (answer += c.toString()));
        socket.on("end", () => resolve(answer));
        socket.on("error", reject);
      });
    expect(await send(`GET /api/sessions HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 421 /);
    expect(await send(`GET /api/sessions HTTP/1.0\r\nHost: \r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 421 /);
    // The same raw way with the right Host is answered: the refusals above are the Host's doing.
    expect(await send(`GET /api/sessions HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("rejects an allowedHosts entry that is not a host name", async () => {
    await expect(serve({ store: new JsonlStore(dir), port: 0, allowedHosts: ["bad host!"] })).rejects.toThrow(AuditConfigError);
    await expect(serve({ store: new JsonlStore(dir), port: 0, allowedHosts: ["http://x.example/"] })).rejects.toThrow(/not a host name/);
  });
});

describe("headers on every answer", () => {
  it("Referrer-Policy, nosniff and frame-ancestors 'none' everywhere; the pages' strict CSP; no-store on the API", async () => {
    const cases: Array<[string, string, Record<string, string>, number]> = [
      ["GET", "/", bearer, 200],
      ["GET", "/stats", bearer, 200],
      ["GET", `/session/${encodeURIComponent(EMAIL_SESSION)}`, bearer, 200],
      ["GET", "/api/sessions", bearer, 200],
      ["GET", `/api/sessions/${encodeURIComponent(EMAIL_SESSION)}`, bearer, 200],
      ["GET", "/api/stats", bearer, 200],
      ["GET", "/api/integrity", bearer, 200],
      ["GET", "/assets/app.js", bearer, 200],
      ["GET", "/assets/app.css", bearer, 200],
      ["GET", "/favicon.ico", bearer, 204],
      ["GET", "/nope", bearer, 404],
      ["GET", "/api/sessions?limit=0", bearer, 400],
      ["GET", "/api/sessions", {}, 401],
      [`GET`, `/?token=${TOKEN}`, {}, 303],
      ["DELETE", "/", bearer, 405],
      ["GET", "/", { host: "evil.example" }, 421],
      ["HEAD", "/api/sessions", bearer, 200],
    ];
    for (const [method, path, headers, status] of cases) {
      const a = await raw(port, method, path, headers);
      const at = `${method} ${path}`;
      expect(a.status, at).toBe(status);
      expect(a.headers["referrer-policy"], at).toBe("no-referrer");
      expect(a.headers["x-content-type-options"], at).toBe("nosniff");
      expect(a.headers["content-security-policy"], at).toMatch(/frame-ancestors 'none'/);
      if (path.startsWith("/api/") || a.headers["content-type"]?.startsWith("application/json")) expect(a.headers["cache-control"], at).toBe("no-store");
      if (a.headers["content-type"]?.startsWith("text/html")) {
        const csp = a.headers["content-security-policy"]!;
        expect(csp, at).toMatch(/default-src 'self'/);
        expect(csp, at).toMatch(/script-src 'self'(;|$)/);
        expect(csp, at).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      }
    }
  });
});

describe("token", () => {
  it("a page's ?token= is traded once for an HttpOnly SameSite=Strict cookie and a 303 to the same URL without it", async () => {
    const path = `/session/${encodeURIComponent(EMAIL_SESSION)}?since=2024-01-01&token=${TOKEN}&x=%C3%A9`;
    const a = await get(path, {});
    expect(a.status).toBe(303);
    expect(a.headers.location).toBe(`/session/${encodeURIComponent(EMAIL_SESSION)}?since=2024-01-01&x=%C3%A9`);
    expect(a.headers.location).not.toContain(TOKEN);
    const cookie = String(a.headers["set-cookie"]);
    expect(cookie).toMatch(/^audit_token=[A-Za-z0-9_-]+; /);
    for (const flag of ["HttpOnly", "SameSite=Strict", "Path=/"]) expect(cookie.split("; ")).toContain(flag);
    // The cookie is not the token itself: it cannot be replayed as a Bearer token or a ?token=.
    const jar = cookie.split(";")[0]!;
    expect(jar).not.toContain(TOKEN);
    expect((await get("/api/sessions", { cookie: jar })).status).toBe(200);
    expect((await get("/", { cookie: jar })).status).toBe(200);
    expect((await get("/api/sessions", { cookie: `other=1; ${jar}; more=2` })).status).toBe(200);
    expect((await get("/api/sessions", { authorization: `Bearer ${jar.slice("audit_token=".length)}` })).status).toBe(401);
    expect((await get(`/?token=${jar.slice("audit_token=".length)}`, {})).status).toBe(401);
    // The bare page URL redirects to "/" (no dangling "?").
    expect((await get(`/?token=${TOKEN}`, {})).headers.location).toBe("/");
  });

  it("refuses a wrong, shorter, longer or absent token, and never redirects off the viewer", async () => {
    for (const t of ["wrong", TOKEN.slice(0, -1), `${TOKEN}x`, "", TOKEN.toUpperCase()]) {
      const a = await get(`/?token=${encodeURIComponent(t)}`, {});
      expect(a.status, t).toBe(401);
      expect(a.headers["set-cookie"], t).toBeUndefined();
      expect((await get("/api/sessions", { authorization: `Bearer ${t}` })).status, t).toBe(401);
      expect((await get("/api/sessions", { cookie: `audit_token=${t}` })).status, t).toBe(401);
    }
    expect((await get("/", {})).status).toBe(401);
    expect((await get("/assets/app.js", {})).status).toBe(401);
    // "//evil.example/" would be a protocol-relative Location: no page there, no exchange.
    for (const path of [`//evil.example/?token=${TOKEN}`, `/%2F%2Fevil.example?token=${TOKEN}`, `/nope?token=${TOKEN}`]) {
      const a = await get(path, {});
      expect(a.status, path).toBe(401);
      expect(a.headers.location, path).toBeUndefined();
    }
  });

  it("is not accepted in an /api/ URL, even beside a valid cookie or Bearer header", async () => {
    const jar = String((await get(`/?token=${TOKEN}`, {})).headers["set-cookie"]).split(";")[0]!;
    for (const headers of [{}, bearer, { cookie: jar }] as Array<Record<string, string>>) {
      const a = await get(`/api/sessions?token=${TOKEN}`, headers);
      expect(a.status).toBe(401);
      expect(JSON.parse(a.body).error).toMatch(/not accepted/);
      expect(a.headers["set-cookie"]).toBeUndefined();
    }
    expect((await get(`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}?token=${TOKEN}`, {})).status).toBe(401);
  });
});

describe("methods", () => {
  it("HEAD is answered like GET (status and headers) without a body", async () => {
    for (const [path, headers] of [["/", bearer], ["/api/sessions?limit=2", bearer], [`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}`, bearer], ["/api/sessions/nobody", bearer], ["/assets/app.js", bearer], ["/nope", bearer], ["/api/sessions", {}], ["/api/sessions?since=notadate", bearer]] as const) {
      const g = await get(path, headers);
      const h = await raw(port, "HEAD", path, headers);
      const strip = ({ date: _d, ...rest }: IncomingHttpHeaders) => rest;
      expect(h.status, path).toBe(g.status);
      expect(strip(h.headers), path).toEqual(strip(g.headers));
      expect(Number(h.headers["content-length"]), path).toBe(Buffer.byteLength(g.body));
      expect(h.body, path).toBe("");
    }
  });

  it("every other method is 405 with Allow: GET, HEAD", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]) {
      const a = await raw(port, method, "/api/sessions", bearer);
      expect(a.status, method).toBe(405);
      expect(a.headers.allow, method).toBe("GET, HEAD");
      expect(JSON.parse(a.body)).toEqual({ error: expect.any(String) });
    }
  });
});

describe("access log", () => {
  it("records every API read with the actor, the route and the session, redacted like page paths", async () => {
    const before = accessLines().length;
    expect((await get(`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}?limit=5`)).status).toBe(200);
    expect((await get(`/api/sessions/alice%40example.com`)).status).toBe(200);
    expect((await get("/api/sessions?user=bob@example.org&errors=1&limit=3")).status).toBe(200);
    expect((await get("/api/stats?since=2024-01-01")).status).toBe(200);
    expect((await get("/api/integrity")).status).toBe(200);
    expect((await get(`/session/${encodeURIComponent(EMAIL_SESSION)}`)).status).toBe(200);
    const added = accessLines().slice(before);
    expect(added.map((r) => [r.actor, r.action])).toEqual([
      ["reviewer", "api"],
      ["reviewer", "api"],
      ["reviewer", "api"],
      ["reviewer", "api"],
      ["reviewer", "api"],
      ["reviewer", "view"],
    ]);
    const targets = added.map((r) => r.target ?? "");
    expect(targets[0]).toMatch(/^\/api\/sessions\/\S+$/);
    expect(targets[1]).toBe(targets[0]);
    expect(targets[2]).toMatch(/^\/api\/sessions\?user=\S+&errors=1$/);
    expect(targets[3]).toBe("/api/stats?since=2024-01-01");
    expect(targets[4]).toBe("/api/integrity");
    expect(targets[5]).toMatch(/^\/session\/\S+$/);
    for (const t of targets) for (const secret of ["alice@example.com", "alice%40example.com", "bob@example.org"]) expect(t).not.toContain(secret);
    expect(verifyAccessLog(dir).brokenAt).toBeUndefined();
  });

  it("a refused or malformed request is not a read", async () => {
    const before = accessLines().length;
    await get("/api/sessions", {});
    await get("/api/sessions?limit=abc");
    await get("/api/sessions/%E0%A4%A");
    expect(accessLines().length).toBe(before);
  });
});

describe("pagination", () => {
  it("pages through the sessions list: newest first, no row twice, none lost, total", async () => {
    const all = JSON.parse((await get("/api/sessions?limit=500")).body) as { sessions: Array<{ session_id: string; end: string }>; next: string | null; total: number };
    expect(all.total).toBe(8);
    expect(all.next).toBeNull();
    const ends = all.sessions.map((s) => s.end);
    expect(ends).toEqual([...ends].sort().reverse());
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = JSON.parse((await get(`/api/sessions?limit=3${cursor ? `&cursor=${cursor}` : ""}`)).body) as typeof all;
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      expect(page.total).toBe(8);
      seen.push(...page.sessions.map((s) => s.session_id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.sessions.map((s) => s.session_id));
    const filtered = JSON.parse((await get("/api/sessions?user=user_odd&limit=1")).body) as typeof all;
    expect(filtered).toMatchObject({ total: 4, sessions: [{ session_id: expect.stringMatching(/^s-[1357]$/) }] });
    expect(filtered.next).toEqual(expect.any(String));
  });

  it("pages through one session's events, stepping through events that share a millisecond", async () => {
    const path = `/api/sessions/${encodeURIComponent(EMAIL_SESSION)}`;
    const whole = JSON.parse((await get(`${path}?limit=2000`)).body) as { session_id: string; events: Array<{ id: string; ts: string }>; next: string | null };
    expect(whole.session_id).toBe(EMAIL_SESSION);
    expect(whole.events).toHaveLength(41);
    // Without shared timestamps the cursor's count would never be exercised.
    expect(new Set(whole.events.map((e) => e.ts)).size).toBeLessThan(41);
    expect(JSON.parse((await get(path)).body).events).toHaveLength(41);
    for (const limit of [1, 4, 7, 40]) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = JSON.parse((await get(`${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`)).body) as typeof whole;
        expect(page.events.length).toBeLessThanOrEqual(limit);
        ids.push(...page.events.map((e) => e.id));
        cursor = page.next;
      } while (cursor);
      expect(ids, `limit ${limit}`).toEqual(whole.events.map((e) => e.id));
    }
    expect((await get("/api/sessions/nobody")).status).toBe(404);
  });

  it("a bad limit, date or cursor is a 400 naming the parameter", async () => {
    const sessionsNext = JSON.parse((await get("/api/sessions?limit=1")).body).next as string;
    const eventsNext = JSON.parse((await get(`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}?limit=1`)).body).next as string;
    const cases: Array<[string, string]> = [
      ["/api/sessions?limit=0", "limit"],
      ["/api/sessions?limit=501", "limit"],
      ["/api/sessions?limit=1e2", "limit"],
      ["/api/sessions?limit=-1", "limit"],
      ["/api/sessions?limit=", "limit"],
      ["/api/sessions?since=notadate", "since"],
      ["/api/sessions?until=2024-02-31", "until"],
      ["/api/sessions?since=1", "since"],
      ["/api/sessions?errors=yes", "errors"],
      ["/api/sessions?cursor=abc", "cursor"],
      [`/api/sessions?cursor=${eventsNext}`, "cursor"],
      [`/api/sessions?cursor=${sessionsNext}x`, "cursor"],
      [`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}?cursor=${sessionsNext}`, "cursor"],
      [`/api/sessions/${encodeURIComponent(EMAIL_SESSION)}?limit=2001`, "limit"],
      ["/api/stats?until=tomorrow", "until"],
      [`/api/sessions?q=${"x".repeat(1001)}`, "q"],
    ];
    for (const [path, param] of cases) {
      const a = await get(path);
      expect(a.status, path).toBe(400);
      expect(JSON.parse(a.body).error, path).toMatch(new RegExp(`^${param} `));
    }
    expect((await get("/api/sessions?since=2024-05-01T12:00&until=2999-01-01T00:00:00.000%2B02:00&errors=0")).status).toBe(200);
  });
});

describe("fuzz", () => {
  it("a few thousand random paths, escapes and query values: never a 500, never a stack, always JSON or a page", async () => {
    // Seeded: the fuzz is the same on every run, and a failure names its seed.
    const rand = seeded(20);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const prefixes = ["/", "//", "/session/", "/stats", "/api/sessions", "/api/sessions/", "/api/stats", "/api/integrity", "/assets/", "/favicon.ico", "/api/", "/session", "/./", "/../"];
    const pieces = ["a", "Z", "0", "-", "_", ".", "..", "/", "//", "%", "%2", "%2F", "%2f", "%00", "%0A", "%E0%A4%A", "%E0%A4", "%ff", "%FE%FF", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%E2%82%AC", "%25", "%40", "@", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "[", "]", "app.js", "app.css", "x.html", encodeURIComponent(EMAIL_SESSION), "s-1", "%%", "%zz", "%u0041", "\\", "|", "^", "`", "{", "}"];
    const params = ["limit", "cursor", "since", "until", "errors", "q", "user", "token", "x", "", "limit[]", "%E0%A4%A"];
    const values = ["", "0", "1", "-1", "500", "501", "1e3", "NaN", "Infinity", "2024-01-01", "2024-02-31", "2024-13-01", "notadate", "9999-12-31T23:59:59.999Z", "+275760-09-13", "%", "%E0%A4%A", "%ff%fe", "%ED%A0%80", "eyJrIjoic2Vzc2lvbnMifQ", "eyJrIjoiZXZlbnRzIiwidHMiOiJ4IiwibiI6MX0", "e30", "W10", "bnVsbA", "AAAA", TOKEN, "x".repeat(1200), "a%00b", "../../etc/passwd", "<script>", "'\"", "%2F"];
    const bodies = new Map<string, number>();
    const runs = 3000;
    for (let i = 0; i < runs; i++) {
      let path = pick(prefixes);
      for (let k = Math.floor(rand() * 5); k > 0; k--) path += pick(pieces);
      const query: string[] = [];
      for (let k = Math.floor(rand() * 4); k > 0; k--) query.push(rand() < 0.1 ? pick(values) : `${pick(params)}=${pick(values)}`);
      const target = query.length ? `${path}?${query.join(rand() < 0.9 ? "&" : ";")}` : path;
      const headers: Record<string, string> = rand() < 0.85 ? bearer : rand() < 0.5 ? {} : { cookie: `audit_token=${pick(values)}` };
      const method = rand() < 0.9 ? "GET" : pick(["HEAD", "POST", "OPTIONS"]);
      const a = await raw(port, method, target, headers);
      const at = `#${i} ${method} ${target}`;
      expect([200, 204, 303, 400, 401, 404, 405], at).toContain(a.status);
      expect(a.body, at).not.toMatch(/\n\s+at |\bat \/|node:internal|file:\/\/|\/work\/|\/tmp\/|Error:/);
      const type = a.headers["content-type"] ?? "";
      if (method === "HEAD" || a.status === 204 || a.status === 303) {
        expect(a.body, at).toBe("");
      } else if (type.startsWith("text/html")) {
        expect(a.status, at).toBe(200);
        expect(a.body, at).toMatch(/^<!doctype html>/);
      } else if (type.startsWith("text/javascript") || type.startsWith("text/css")) {
        expect(target, at).toMatch(/^\/assets\/[a-z-]+\.(js|css)(\?|$)/);
      } else {
        expect(type, at).toBe("application/json; charset=utf-8");
        const body = JSON.parse(a.body) as Record<string, unknown>;
        if (a.status >= 400) expect(body, at).toEqual({ error: expect.any(String) });
      }
      bodies.set(String(a.status), (bodies.get(String(a.status)) ?? 0) + 1);
    }
    // The fuzz reached every kind of answer, not just 404s.
    for (const status of ["200", "400", "401", "404"]) expect(bodies.get(status) ?? 0, `${status}: ${JSON.stringify([...bodies])}`).toBeGreaterThan(50);
    expect((await get("/api/sessions?limit=1")).status).toBe(200);
  }, 120_000);
});

describe("CLI: agent-audit serve --allowed-host", () => {
  /** Starts the built CLI on port 0 and resolves with the port it printed. */
  function startCli(args: string[]) {
    const child = spawn(process.execPath, [CLI, "serve", "--dir", dir, "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const ready = new Promise<number>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /viewer on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, ready, exited, stderr: () => err };
  }

  it("answers the names given (with or without a port) and refuses others", async () => {
    const cli = startCli(["--allowed-host", "audit.example", "--allowed-host", "box.lan:9999"]);
    try {
      const p = await cli.ready;
      expect((await raw(p, "GET", "/api/sessions", { host: "audit.example" })).status).toBe(200);
      expect((await raw(p, "GET", "/api/sessions", { host: `audit.example:${p}` })).status).toBe(200);
      expect((await raw(p, "GET", "/api/sessions", { host: "box.lan:9999" })).status).toBe(200);
      expect((await raw(p, "GET", "/api/sessions", { host: `localhost:${p}` })).status).toBe(200);
      expect((await raw(p, "GET", "/api/sessions", { host: `box.lan:${p}` })).status).toBe(421);
      expect((await raw(p, "GET", "/api/sessions", { host: `evil.example:${p}` })).status).toBe(421);
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });

  it("a name that is not a host name is a usage error (exit 2)", async () => {
    const cli = startCli(["--allowed-host", "not a host"]);
    cli.ready.catch(() => {});
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/--allowed-host: "not a host" is not a host name/);
  });
});
