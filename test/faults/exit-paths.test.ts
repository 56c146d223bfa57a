// Exit paths against the built package in real processes: flush and shutdown while the sink is
// down or hung, a script that never calls shutdown(), SIGTERM and SIGINT. Every check is by event
// id: each event the script recorded reaches the receiver (duplicates allowed, none missing).
import { afterEach, describe, expect, it } from "vitest";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readTrail } from "../../src/store/jsonl.js";
import { tempDir } from "../helpers.js";
import { missing, Receiver, runChild, SECRET } from "./harness.js";

const FAST = { lingerMs: 0, initialBackoffMs: 50, maxBackoffMs: 400 };
let receivers: Receiver[] = [];
async function receiver(answer?: ConstructorParameters<typeof Receiver>[0]) {
  const r = new Receiver(answer);
  await r.start();
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function trailIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of readTrail(dir)) ids.push(e.id);
  return ids;
}

describe("flush() and shutdown() keep their word", () => {
  it("await flush() while the sink answers 503 for 2.5 s: the script goes on, and all 40 events arrive", async () => {
    const started = Date.now();
    const r = await receiver(() => (Date.now() - started < 2_500 ? { status: 503 } : "ok"));
    const child = runChild({ dir: tempDir(), url: r.url, secret: SECRET, count: 40, delivery: FAST, then: "flush", timeoutMs: 20_000 });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0); // not 13 ("unsettled top-level await")
    const flushed = child.step("flushed")!;
    expect(flushed.result).toMatchObject({ complete: true, pending: { webhook: 0 } });
    expect(missing(child.recorded(), r.ids)).toEqual([]);
    expect(child.recorded()).toHaveLength(40);
  });

  it("a hung sink: flush({ timeoutMs: 500 }) returns on time with what is pending, and the process can end", async () => {
    const r = await receiver(() => "hang");
    const dir = tempDir();
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 30, delivery: { ...FAST, timeoutMs: 30_000 }, then: "flush", timeoutMs: 500 });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const flushed = child.step("flushed")!;
    // Far below delivery.timeoutMs (30 s): the deadline bounds the call, not the request's timeout.
    expect(flushed.elapsed as number).toBeLessThan(3_000);
    expect(flushed.result).toMatchObject({ complete: false, timed_out: true, pending: { webhook: 30 } });
    expect(r.requests).toBeGreaterThan(0);

    // Nothing was lost: the next trail on the directory delivers what the hung sink never took.
    const healthy = await receiver();
    const next = runChild({ dir, url: healthy.url, secret: SECRET, count: 0, delivery: FAST, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), healthy.ids)).toEqual([]);
  });

  it("a hung sink: shutdown({ timeoutMs: 500 }) returns on time and the process ends at once", async () => {
    const r = await receiver(() => "hang");
    const started = Date.now();
    const child = runChild({ dir: tempDir(), url: r.url, secret: SECRET, count: 10, delivery: { ...FAST, timeoutMs: 30_000 }, then: "shutdown", timeoutMs: 500 });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const done = child.step("shut-down")!;
    expect(done.elapsed as number).toBeLessThan(3_000);
    expect(done.result).toMatchObject({ complete: false, pending: { webhook: 10 } });
    expect(Date.now() - started).toBeLessThan(15_000); // the hung request did not hold the process for 30 s
  });
});

describe("a script that never calls shutdown()", () => {
  it("the beforeExit flush delivers all 25 events, once, and the process exits", async () => {
    const r = await receiver();
    const child = runChild({ dir: tempDir(), url: r.url, secret: SECRET, count: 25, delivery: { ...FAST, lingerMs: 200 } });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
    expect(r.ids.size).toBe(25);
  });

  it("with the sink down, the exit flush gives up after exitFlushMs; the next trail delivers everything", async () => {
    const down = await receiver(() => ({ status: 503 }));
    const dir = tempDir();
    const started = Date.now();
    // Retries come at most maxBackoffMs (400) apart, so over a 1.5 s exit flush they span > 1 s.
    const child = runChild({ dir, url: down.url, secret: SECRET, count: 20, delivery: FAST, exitFlushMs: 1_500 });
    expect((await child.exit).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(down.ids.size).toBe(0);
    // It really tried, for about exitFlushMs, and then let the process go.
    expect(down.requests).toBeGreaterThan(2);
    expect(down.requestTimes.at(-1)! - down.requestTimes[0]!).toBeGreaterThanOrEqual(700);
    const up = await receiver();
    const next = runChild({ dir, url: up.url, secret: SECRET, count: 0, delivery: FAST, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), up.ids)).toEqual([]);
  });

  it("a hung destination never holds a finished script open: it exits after the exit flush, not after delivery.timeoutMs", async () => {
    const r = await receiver(() => "hang");
    const dir = tempDir();
    const started = Date.now();
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 10, delivery: { ...FAST, timeoutMs: 60_000 }, exitFlushMs: 500 });
    expect((await child.exit).code).toBe(0);
    expect(r.requests).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(15_000); // the hung request alone would hold it 60 s
    // And the events wait in the spool.
    const healthy = await receiver();
    const next = runChild({ dir, url: healthy.url, secret: SECRET, count: 0, delivery: FAST, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), healthy.ids)).toEqual([]);
  });

  it("exitHandlers: false: no exit flush; the events wait in the spool for the next trail", async () => {
    const r = await receiver();
    const dir = tempDir();
    // Control: the same script with exit handlers on delivers everything on its way out.
    const control = runChild({ dir: tempDir(), url: r.url, secret: SECRET, count: 15, delivery: { ...FAST, lingerMs: 5_000 } });
    expect((await control.exit).code).toBe(0);
    expect(missing(control.recorded(), r.ids)).toEqual([]);
    r.ids.clear();
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 15, delivery: { ...FAST, lingerMs: 5_000 }, exitHandlers: false });
    expect((await child.exit).code).toBe(0);
    expect(r.ids.size).toBe(0);
    expect(await trailIds(dir)).toEqual(child.recorded());
    const next = runChild({ dir, url: r.url, secret: SECRET, count: 0, delivery: FAST, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });
});

describe("signals", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s with no listener of the app's own: the trail flushes, then the process ends by the signal", async (signal) => {
    const r = await receiver(() => ({ delayMs: 20 }));
    const dir = tempDir();
    // A long linger: without the signal's flush, nothing would be sent before the process died.
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 50, delivery: { ...FAST, lingerMs: 10_000 }, then: "stream", yieldMs: 5 });
    await child.waitFor((l) => l.step === "streaming");
    await new Promise((res) => setTimeout(res, 200));
    const beforeSignal = child.recorded();
    child.proc.kill(signal);
    const exit = await child.exit;
    expect(exit.signal).toBe(signal); // the usual status: killed by the signal (143 / 130 in a shell)
    expect(beforeSignal.length).toBeGreaterThan(50);
    expect(missing(beforeSignal, r.ids)).toEqual([]);
    // Events recorded while the flush ran are on disk, and the next trail delivers them.
    expect(missing(child.recorded(), new Set(await trailIds(dir)))).toEqual([]);
    const next = runChild({ dir, url: r.url, secret: SECRET, count: 0, delivery: FAST, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });

  it("two copies of the library in one process: SIGTERM still flushes both and ends the process", async () => {
    // A second installed copy, as a monorepo with two versions would have.
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const copy = tempDir("audit-copy-");
    mkdirSync(join(copy, "node_modules"));
    cpSync(join(root, "dist"), join(copy, "dist"), { recursive: true });
    writeFileSync(join(copy, "package.json"), JSON.stringify({ name: "agent-audit-trail-copy", type: "module" }));
    // Every runtime dependency (and the LangChain peers), as an installed copy would have them.
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
    const tops = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), "@langchain", "langchain"].map((d) => d.split("/")[0]!));
    for (const dep of tops) if (existsSync(join(root, "node_modules", dep))) symlinkSync(join(root, "node_modules", dep), join(copy, "node_modules", dep));
    const r = await receiver();
    const dir = tempDir();
    const secondDir = tempDir();
    const child = runChild({ dir, secondDir, secondCopy: join(copy, "dist", "index.js"), url: r.url, secret: SECRET, count: 10, delivery: { ...FAST, lingerMs: 10_000 }, then: "wait" });
    await child.waitFor((l) => l.step === "waiting");
    child.proc.kill("SIGTERM");
    const exit = await child.exit;
    expect(exit.signal, exit.stderr).toBe("SIGTERM");
    expect(child.recorded()).toHaveLength(20);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });

  it("an app that listens for SIGTERM itself owns shutdown: the trail stays out of its way", async () => {
    const r = await receiver();
    const child = runChild({ dir: tempDir(), url: r.url, secret: SECRET, count: 20, delivery: { ...FAST, lingerMs: 10_000 }, ownSigterm: true, then: "wait" });
    const waiting = await child.waitFor((l) => l.step === "waiting");
    expect(waiting.sigterm_listeners).toBe(2); // the app's and the trail's: the trail is there, and stands back
    child.proc.kill("SIGTERM");
    const exit = await child.exit;
    expect(exit.code).toBe(0); // the app's own handler ran and exited
    expect(child.step("own-sigterm")!.result).toMatchObject({ complete: true });
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });
});
