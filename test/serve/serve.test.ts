// `agent-audit serve`: the JSON endpoints, tokens, and the pages end to end in a real headless
// Chromium (Debian's package, driven by playwright-core). Screenshots go to test-output/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { main } from "../../src/cli/main.js";
import { serve } from "../../src/serve/server.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { accessLogFile } from "../../src/integrity/access-log.js";
import { tempDir } from "../helpers.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", process.env.CHROMIUM_PATH].find((p) => p && existsSync(p));
if (!CHROMIUM) console.warn("serve.test: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); the browser tests are skipped");
const SHOTS = join(process.cwd(), "test-output");

let dir: string;
let sessionId: string;
let viewer: Awaited<ReturnType<typeof serve>>;

beforeAll(async () => {
  dir = tempDir("audit-serve-");
  const out: string[] = [];
  await main(["demo", "--dir", dir], { out: (s) => out.push(s), err: () => {} });
  sessionId = /Session (sess_demo_\w+)/.exec(out.join("\n"))![1]!;
  viewer = await serve({ store: new JsonlStore(dir), dir, port: 0 });
});
afterAll(async () => {
  await viewer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(new URL(path, viewer.url), init);

describe("viewer API", () => {
  it("lists sessions with their counts, serves one session's events, stats and the integrity badge", async () => {
    const list = (await (await get("/api/sessions")).json()) as { sessions: Array<Record<string, any>>; next: string | null; total: number };
    expect(list).toMatchObject({ next: null, total: 1 });
    const sessions = list.sessions;
    expect(sessions[0]).toMatchObject({ session_id: sessionId, user_id: "user_456", model_calls: 4, tool_calls: 3, errors: 1 });
    expect(sessions[0]!.tokens).toBeGreaterThan(0);
    expect(((await (await get("/api/sessions?errors=1&q=paris")).json()) as { sessions: unknown[] }).sessions).toHaveLength(1);
    expect(await (await get("/api/sessions?user=nobody")).json()).toEqual({ sessions: [], next: null, total: 0 });
    const events = ((await (await get(`/api/sessions/${sessionId}`)).json()) as { events: Array<{ type: string }> }).events;
    expect(events.some((e: { type: string }) => e.type === "tool_error")).toBe(true);
    expect((await get("/api/sessions/nope")).status).toBe(404);
    const stats = (await (await get("/api/stats")).json()) as { tools: Array<{ tool: string }> };
    expect(stats.tools.map((t: { tool: string }) => t.tool).sort()).toEqual(["book_flight", "search_flights"]);
    expect(await (await get("/api/integrity")).json()).toMatchObject({ available: true, ok: true });
    expect((await get("/api/sessions", { method: "POST" })).status).toBe(405);
  });

  it("beyond loopback, or with a token, refuses requests without it; page views are access-logged", async () => {
    const guarded = await serve({ store: new JsonlStore(dir), dir, port: 0, token: "s3cret-token-value", actor: "reviewer" });
    try {
      const base = new URL(guarded.url);
      base.search = "";
      expect((await fetch(new URL("/api/sessions", base))).status).toBe(401);
      expect((await fetch(new URL("/", base))).status).toBe(401);
      expect((await fetch(new URL("/api/sessions", base), { headers: { authorization: "Bearer s3cret-token-value" } })).status).toBe(200);
      const exchange = await fetch(new URL("/?token=s3cret-token-value", base), { redirect: "manual" });
      expect(exchange.status).toBe(303);
      expect(exchange.headers.get("set-cookie")).toMatch(/audit_token=.*HttpOnly/);
      const page = await fetch(new URL("/", base), { headers: { cookie: exchange.headers.get("set-cookie")!.split(";")[0]! } });
      expect(page.status).toBe(200);
    } finally {
      await guarded.close();
    }
    const generated = await serve({ store: new JsonlStore(dir), host: "0.0.0.0", port: 0 });
    try {
      expect(generated.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      expect(generated.url).toContain(`?token=${generated.token}`);
    } finally {
      await generated.close();
    }
    const log = readFileSync(accessLogFile(dir), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.some((r) => r.actor === "reviewer" && r.action === "view" && r.target === "/")).toBe(true);
  });
});

describe.skipIf(!CHROMIUM)("viewer in a real browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("sessions → session waterfall → expand the failing tool call → stats charts", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(viewer.url);
    await page.waitForSelector("#sessions tbody tr");
    expect(await page.textContent("#sessions tbody")).toContain(sessionId);
    await page.waitForSelector(".badge.ok");
    expect(await page.textContent("#badge")).toMatch(/verified/);
    await page.screenshot({ path: join(SHOTS, "viewer-sessions.png"), fullPage: true });

    await page.click(`a[href="/session/${sessionId}"]`);
    await page.waitForSelector(".row");
    const failing = page.locator(".row.error", { hasText: "book_flight" }).first();
    await failing.click();
    const details = page.locator(".details").first();
    await details.waitFor();
    expect(await details.textContent()).toContain("PaymentTimeoutError");
    expect(await page.locator("details.reasoning").count()).toBeGreaterThan(0);
    expect(await page.locator(".bar").count()).toBeGreaterThan(3);
    await page.screenshot({ path: join(SHOTS, "viewer-session.png"), fullPage: true });

    await page.click('nav a[href="/stats"]');
    await page.waitForSelector("#tools .bars li");
    for (const chart of ["#tools", "#errors", "#models", "#users", "#volume"]) expect(await page.locator(`${chart} .bars li`).count(), chart).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "viewer-stats.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("with a token: the printed URL works, the token leaves the address bar and scripts cannot read the cookie", async () => {
    const guarded = await serve({ store: new JsonlStore(dir), dir, port: 0, token: "browser-token-value-123" });
    const page = await browser.newPage();
    try {
      await page.goto(`${guarded.url}&since=2000-01-01`);
      await page.waitForSelector("#sessions tbody tr");
      expect(await page.textContent("#sessions tbody")).toContain(sessionId);
      expect(page.url()).toBe(`${new URL(guarded.url).origin}/?since=2000-01-01`);
      expect(await page.evaluate("document.cookie")).toBe("");
      await page.click(`a[href="/session/${sessionId}"]`);
      await page.waitForSelector(".row");
    } finally {
      await page.close();
      await guarded.close();
    }
  });
});
