// The viewer's pages as a person uses them: `agent-audit serve` from the built package (a child
// process) over a trail the real library recorded, opened in headless Chromium (Debian's package,
// driven by playwright-core) at desktop and phone widths. Screenshots go to test-output/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { tempDir } from "../helpers.js";
import { BIG_RUNS, BIG_SESSION, recordViewerTrail, SESSION, SMALL_SESSIONS, USER } from "./viewer-trail.js";

// Browser globals, for the functions Playwright runs in the page (this program is type-checked
// without the DOM library, so the Node side cannot reach for them by mistake).
declare const document: any;
declare const navigator: any;
declare const location: any;
declare const window: any;
declare function getComputedStyle(element: unknown): any;

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", process.env.CHROMIUM_PATH].find((p) => p && existsSync(p));
if (!CHROMIUM) console.warn("viewer-pages.test: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); skipped");
const CLI = join(process.cwd(), "dist/cli/main.js");
const SHOTS = join(process.cwd(), "test-output");
const axeSource = (createRequire(import.meta.url)("axe-core") as { source: string }).source;

const WIDTHS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "narrow", width: 375, height: 740 },
] as const;

interface ApiEvent {
  type: string;
  run_id?: string;
  name?: string;
}

let dir: string;
let server: ChildProcess | undefined;
let base: string;
let browser: Browser;
let events: ApiEvent[];
const runOf = (type: string, name: string) => events.find((e) => e.type === type && e.name === name)!.run_id!;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/ is missing: run npm run build first (these tests drive the built CLI)");
  dir = tempDir("audit-viewer-");
  await recordViewerTrail(dir);
  server = spawn(process.execPath, [CLI, "serve", "--dir", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  base = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 20_000);
    server!.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /viewer on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace(/\/$/, ""));
      }
    });
    server!.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    server!.once("exit", (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
  events = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = (await (await fetch(`${base}/api/sessions/${SESSION}${cursor ? `?cursor=${cursor}` : ""}`)).json()) as { events: ApiEvent[]; next: string | null };
    events.push(...page.events);
    cursor = page.next;
  }
  if (CHROMIUM) {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh page at a width; every console error and page error (CSP refusals included) is kept. */
async function open(path: string, size: (typeof WIDTHS)[number] = WIDTHS[0]): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${base}${path}`);
  return { page, errors };
}

async function closePage(page: Page) {
  await page.context().close();
}

/** axe-core on the page as it stands: serious and critical violations fail the test. */
async function expectAccessible(page: Page, label: string) {
  await page.evaluate(axeSource); // through the DevTools protocol: the page's CSP forbids injected <script>
  const violations = await page.evaluate(async () => {
    const r = (await window.axe.run(document, { resultTypes: ["violations"] })) as { violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> };
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical"), `${label}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** Nothing sticks out sideways: the page fits its width. */
async function expectNoSidewaysScroll(page: Page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(width + 1);
}

describe("viewer API pages (the contract the pages are built on)", () => {
  it("lists sessions a page at a time with an opaque cursor, refuses bad parameters by name, and pages a session's events", async () => {
    const seen: string[] = [];
    let total = 0;
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const res = await fetch(`${base}/api/sessions?limit=25${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { sessions: Array<{ session_id: string }>; next: string | null; total: number };
      expect(body.sessions.length).toBeLessThanOrEqual(25);
      seen.push(...body.sessions.map((s) => s.session_id));
      total = body.total;
      cursor = body.next;
    }
    expect(total).toBe(SMALL_SESSIONS + 2);
    expect(new Set(seen).size).toBe(total);
    expect(seen[0]).toBe(SESSION); // newest activity first
    for (const [query, name] of [["limit=0", "limit"], ["limit=501", "limit"], ["limit=abc", "limit"], ["cursor=bm9wZQ", "cursor"], ["since=yesterday", "since"], ["until=2026-13-45", "until"]]) {
      const res = await fetch(`${base}/api/sessions?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: string }).error, query).toContain(name);
    }
    const big: unknown[] = [];
    let pages = 0;
    for (let cursor: string | null = null, first = true; first || cursor; first = false, pages++) {
      const body = (await (await fetch(`${base}/api/sessions/${BIG_SESSION}?limit=500${cursor ? `&cursor=${cursor}` : ""}`)).json()) as { session_id: string; events: unknown[]; next: string | null };
      expect(body.session_id).toBe(BIG_SESSION);
      big.push(...body.events);
      cursor = body.next;
    }
    expect([big.length, pages]).toEqual([BIG_RUNS * 2, 3]);
    expect((await fetch(`${base}/api/sessions/nope`)).status).toBe(404);
  });
});

describe.skipIf(!CHROMIUM)("viewer pages in a real browser", () => {
  for (const size of WIDTHS) {
    it(`sessions list at ${size.name} width: the newest first, units, more rows as the reader reaches the end`, async () => {
      const { page, errors } = await open("/", size);
      await page.waitForSelector("#sessions tbody tr");
      expect(await page.locator("#sessions tbody tr").count()).toBe(50);
      expect(await page.textContent("#count")).toBe(`50 of ${SMALL_SESSIONS + 2} sessions`);
      const first = page.locator("#sessions tbody tr").first();
      expect(await first.innerText()).toContain(SESSION);
      expect(await first.innerText()).toContain(USER);
      expect(await first.innerText()).toMatch(/\$0\.004/); // the session's cost, in dollars
      expect(await first.innerText()).toMatch(/\d (ms|s)\b/);
      expect((await page.innerText("main")).length).toBeGreaterThan(500);
      await page.screenshot({ path: join(SHOTS, `viewer-sessions-${size.name}.png`), fullPage: false });
      // Reaching the end of the list loads the next page by itself.
      await page.locator("#more").scrollIntoViewIfNeeded();
      await page.waitForFunction((n) => document.querySelectorAll("#sessions tbody tr").length === n, SMALL_SESSIONS + 2);
      expect(await page.locator("#more").isHidden()).toBe(true);
      if (size.name === "narrow") expect(await first.evaluate((tr) => getComputedStyle(tr).display)).toBe("block"); // rows as cards
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `sessions ${size.name}`);
      expect(errors).toEqual([]);
      await closePage(page);
    });

    it(`one session at ${size.name} width: a conversation beside the waterfall, run details as trees, the stack as lines, a node's state diff`, async () => {
      const { page, errors } = await open(`/session/${SESSION}`, size);
      await page.waitForSelector("#waterfall .row");
      await page.waitForSelector("#conversation .msg.node");
      // The conversation: each kind its own bubble.
      expect(await page.locator(".msg.user").count()).toBe(3);
      expect(await page.locator(".msg.user").first().innerText()).toContain("Find me the cheapest flight to Paris.\nEconomy is fine.");
      expect(await page.locator(".msg.assistant").count()).toBe(4);
      expect(await page.locator(".msg.tool-call").count()).toBe(2);
      expect(await page.locator(".msg.tool-result").count()).toBe(1);
      expect(await page.locator(".msg.error").count()).toBe(2); // where it happened, and the run it ended
      const policy = page.locator(".msg.policy.block");
      expect(await policy.innerText()).toMatch(/blocked · send_email[\s\S]*no-external-email[\s\S]*external recipient/);
      expect(await page.locator(".msg.node").count()).toBe(2);
      expect(await page.locator(".msg.node").last().innerText()).toMatch(/Changed state: status, attempts, plan, notes/);
      // Reasoning is there, folded.
      const reasoning = page.locator("details.reasoning").first();
      expect(await reasoning.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
      await reasoning.locator("summary").click();
      expect(await reasoning.innerText()).toContain("The user wants the cheapest flight.\nSearch first, then compare prices.");
      // Units: tokens, sub-cent and cent costs, durations.
      const firstAnswer = await page.locator(".msg.assistant").first().innerText();
      expect(firstAnswer).toMatch(/gpt-4o-mini · 20,500 tokens · \$0\.003 · \d+(?:\.\d+)? m?s/);
      expect(await page.locator(".msg.assistant").nth(1).innerText()).toContain("<$0.001");
      expect(await page.innerText("#summary")).toMatch(/Cost\s*\$0\.004/);
      expect(await page.locator(".bar").count()).toBeGreaterThan(8);
      // Markup recorded in the trail is shown as text, never parsed.
      const note = await page.locator(".msg.note").innerText();
      expect(note).toContain("<b>reviewer note</b>");
      expect(note).toContain('<img src=\\"x\\" id=\\"injected\\">');
      expect(await page.locator("#injected, .msg.note b").count()).toBe(0);

      // The failing tool call: its stack with real line breaks.
      await page.locator(".row.error", { hasText: "book_flight" }).click();
      const details = page.locator(`#details-${runOf("tool_error", "book_flight")}`);
      await details.waitFor();
      const stack = details.locator("pre.stack");
      const stackText = (await stack.textContent())!;
      expect(stackText).toMatch(/^PaymentTimeoutError: Payment API timeout after 5000ms\n {4}at /);
      expect(stackText).not.toContain("\\n");
      const lineHeight = await stack.evaluate((p) => parseFloat(getComputedStyle(p).lineHeight));
      expect((await stack.boundingBox())!.height).toBeGreaterThan(lineHeight * 3);
      // The input as a collapsible tree, copied whole.
      const tree = details.locator(".json-tree").first();
      expect(await tree.innerText()).toMatch(/flight: "AF1234"/);
      const node = tree.locator("details.json-node").nth(1);
      expect(await node.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
      await node.locator("> summary").click();
      expect(await node.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
      expect(await tree.innerText()).not.toContain('"AF1234"');
      if (size.name === "desktop") {
        await tree.locator("button.copy").first().click();
        expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual({ args: { flight: "AF1234" }, tool: "book_flight", tool_call_id: "call_book" });
        // While it says "Copied", its accessible name still starts with what it shows (WCAG 2.5.3).
        const copy = tree.locator("button.copy").first();
        expect(await copy.innerText()).toBe("Copied");
        expect(await copy.getAttribute("aria-label")).toBe("Copied input");
        await expectAccessible(page, "session desktop, just copied");
      }
      expect(await details.innerText()).toMatch(/Duration\s*\d+(?:\.\d+)? m?s/);

      // The graph node that changed state: a diff of what it returned against what it was given.
      await page.locator(".row", { hasText: "confirm" }).click();
      const diff = page.locator(`#details-${runOf("chain_start", "confirm")} table.state-diff`);
      await diff.waitFor();
      const rows = await diff.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children as ArrayLike<{ innerText: string }>).map((c) => c.innerText.replace(/\s+/g, " ").trim())));
      expect(rows).toEqual([
        ["status", "changed", '"planned"', '"booked"'],
        ["attempts", "added", "—", "1"],
        ["plan.budget_eur", "changed", "300", "250"],
        ["plan.seat", "added", "—", '"12A"'],
        ["notes", "changed", '[ "economy only" ]', '+1 new item [ "seat 12A" ]'],
      ]);
      await page.screenshot({ path: join(SHOTS, `viewer-session-${size.name}.png`), fullPage: true });
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `session ${size.name}`);
      expect(errors).toEqual([]);
      await closePage(page);
    });

    it(`stats at ${size.name} width: bars with their values and units`, async () => {
      const { page, errors } = await open("/stats", size);
      await page.waitForSelector("#tools .bars li");
      const tools = await page.locator("#tools .bars li").allInnerTexts();
      expect(tools.map((t) => t.split(" ·")[0]).sort()).toEqual(["book_flight", "lookup", "search_flights"]);
      expect(tools.find((t) => t.startsWith("book_flight"))).toMatch(/1 call, 1 error[\s\S]*p95 \d+(?:\.\d+)? m?s/);
      expect(await page.locator("#tools .bar-fill.mark").count()).toBe(1);
      expect(await page.innerText("#models")).toMatch(/gpt-4o-mini\s*24,\d{3} tokens · \$0\.004/);
      for (const chart of ["#errors", "#volume"]) expect(await page.locator(`${chart} .bars li`).count(), chart).toBeGreaterThan(0);
      await page.screenshot({ path: join(SHOTS, `viewer-stats-${size.name}.png`), fullPage: true });
      await expectNoSidewaysScroll(page);
      await expectAccessible(page, `stats ${size.name}`);
      expect(errors).toEqual([]);
      await closePage(page);
    });
  }

  it("a deep link selects its run, opens it and scrolls to it", async () => {
    const failing = runOf("tool_error", "book_flight");
    const { page, errors } = await open(`/session/${SESSION}#run=${failing}`, WIDTHS[1]);
    await page.waitForSelector(`li.selected[data-run-id="${failing}"]`);
    const row = page.locator(`#row-${failing}`);
    expect(await row.getAttribute("aria-expanded")).toBe("true");
    expect(await row.getAttribute("aria-current")).toBe("true");
    expect(await page.locator(`#details-${failing} pre.stack`).isVisible()).toBe(true);
    expect(await row.evaluate((b) => b === document.activeElement)).toBe(true);
    const box = (await row.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(740);
    expect(await page.locator("li.selected").count()).toBe(1);
    // A link in the conversation moves the selection the same way.
    const search = runOf("tool_start", "search_flights");
    await page.locator(`.msg.tool-result a.run-link[href="#run=${search}"]`).click();
    await page.waitForSelector(`li.selected[data-run-id="${search}"]`);
    expect(await page.locator(`#row-${search}`).getAttribute("aria-expanded")).toBe("true");
    expect(errors).toEqual([]);
    await closePage(page);
  });

  it("a deep link into a later page of a long session loads pages until it finds the run, and no further", async () => {
    const target = "big-run-0300"; // events 601 and 602 of 1,200: the second page of 500
    const { page, errors } = await open(`/session/${BIG_SESSION}#run=${target}`);
    await page.waitForSelector(`li.selected[data-run-id="${target}"]`);
    expect(await page.locator("#waterfall .row").count()).toBe(500); // two pages of events, 500 runs
    expect(await page.locator("#load-more").isVisible()).toBe(true);
    const box = (await page.locator(`#row-${target}`).boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    await page.locator("#load-more").click();
    await page.waitForFunction((n) => document.querySelectorAll("#waterfall .row").length === n, BIG_RUNS);
    expect(await page.locator("#more").isHidden()).toBe(true);
    expect(await page.locator(`li.selected[data-run-id="${target}"]`).count()).toBe(1); // the selection survives the redraw
    expect(errors).toEqual([]);
    await closePage(page);
  });

  it("keyboard: Tab reaches the runs, ↓/j and ↑/k move between them with a visible focus, Enter opens and closes", async () => {
    const { page, errors } = await open(`/session/${SESSION}`);
    await page.waitForSelector("#waterfall .row");
    await page.waitForSelector("#conversation .msg");
    const active = () => page.evaluate(() => ({ run: document.activeElement?.closest("li.run")?.getAttribute("data-run-id") ?? null, cls: document.activeElement?.className ?? "" }));
    let presses = 0;
    while ((await active()).run === null && presses++ < 15) await page.keyboard.press("Tab");
    const ids = await page.locator("#waterfall li.run").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-run-id")));
    expect((await active()).run).toBe(ids[0]);
    expect(await page.locator("#waterfall .row[tabindex='0']").count()).toBe(1); // one stop in the tab order
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    expect(outline.style).not.toBe("none");
    expect(outline.width).toBeGreaterThanOrEqual(2);
    await page.keyboard.press("ArrowDown");
    expect((await active()).run).toBe(ids[1]);
    expect(await page.evaluate(() => location.hash)).toBe(`#run=${ids[1]}`);
    await page.keyboard.press("j");
    expect((await active()).run).toBe(ids[2]);
    await page.keyboard.press("k");
    await page.keyboard.press("ArrowUp");
    expect((await active()).run).toBe(ids[0]);
    await page.keyboard.press("End");
    expect((await active()).run).toBe(ids.at(-1));
    await page.keyboard.press("Home");
    await page.keyboard.press("ArrowDown");
    const second = page.locator(`#row-${ids[1]}`);
    await page.keyboard.press("Enter");
    expect(await second.getAttribute("aria-expanded")).toBe("true");
    expect(await page.locator(`#details-${ids[1]}`).isVisible()).toBe(true);
    await page.keyboard.press("Enter");
    expect(await second.getAttribute("aria-expanded")).toBe("false");
    expect(await page.locator(`#details-${ids[1]}`).isVisible()).toBe(false);
    // Keys typed inside an opened run's details are not taken over by the list.
    await page.keyboard.press("Enter");
    await page.locator(`#details-${ids[1]} button.copy`).first().focus();
    await page.keyboard.press("j");
    expect((await active()).cls).toContain("copy");
    expect(errors).toEqual([]);
    await closePage(page);
  });
});
