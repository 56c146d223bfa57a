// Destinations that fail the way real ones do, against the built package in real processes:
// down (connection refused), 500, 429 with Retry-After, hung, reset mid-body, slow. Each script
// records its events and calls shutdown(); the check is by event id: every recorded event reaches
// the receiver (duplicates allowed, none missing), and the trail on disk holds every one of them.
import { afterEach, describe, expect, it } from "vitest";
import { readTrail } from "../../src/store/jsonl.js";
import { tempDir } from "../helpers.js";
import { missing, Receiver, runChild, SECRET, type Answer } from "./harness.js";

const DELIVERY = { batchSize: 10, lingerMs: 0, initialBackoffMs: 50, maxBackoffMs: 300, timeoutMs: 800 };
let receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
});

async function onDisk(dir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const e of readTrail(dir)) ids.add(e.id);
  return ids;
}

/** The first `bad` requests get `fault`, every later one is answered normally. */
const faultThenOk = (bad: number, fault: Answer) => (n: number): Answer => (n <= bad ? fault : "ok");

const faults: Array<[string, (n: number) => Answer]> = [
  ["500 Internal Server Error", faultThenOk(6, { status: 500 })],
  ["429 with Retry-After: 1", faultThenOk(2, { status: 429, headers: { "retry-after": "1" } })],
  ["a hang (accepts, never answers)", faultThenOk(2, "hang")],
  ["a connection reset mid-body", faultThenOk(4, "reset")],
  ["a slow answer (600 ms, under the timeout)", () => ({ delayMs: 600 })],
  ["every other request failing", (n) => (n % 2 ? { status: 503 } : "ok")],
];

describe("delivery under destination faults (real processes, built package)", () => {
  it.each(faults)("%s: every recorded event arrives", async (_name, answer) => {
    const r = new Receiver(answer);
    await r.start();
    receivers.push(r);
    const dir = tempDir();
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 60, delivery: DELIVERY, then: "shutdown", timeoutMs: 30_000 });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(child.step("shut-down")!.result).toMatchObject({ complete: true });
    expect(child.recorded()).toHaveLength(60);
    expect(missing(child.recorded(), await onDisk(dir))).toEqual([]);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });

  it("the destination is down (connection refused) and comes up later: nothing is lost", async () => {
    const r = new Receiver();
    // Find a free port, then leave it closed: the first attempts get ECONNREFUSED.
    await r.start();
    const port = r.port;
    await r.close();
    const dir = tempDir();
    const url = `http://127.0.0.1:${port}/hook`;
    const child = runChild({ dir, url, secret: SECRET, count: 40, delivery: DELIVERY, then: "shutdown", timeoutMs: 30_000 });
    await child.waitFor((l) => l.step === "recorded");
    await new Promise((res) => setTimeout(res, 1_000));
    const up = new Receiver();
    await up.start(port);
    receivers.push(up);
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const done = child.step("shut-down")!;
    expect(done.result).toMatchObject({ complete: true });
    expect((done.stats as { sinks: { webhook: { retries: number } } }).sinks.webhook.retries).toBeGreaterThan(0);
    // The diagnostic names the endpoint (scheme, host, port), not "[IP_ADDRESS]".
    expect((done.errors as string[]).join("\n")).toContain(`http://127.0.0.1:${port}`);
    expect(missing(child.recorded(), up.ids)).toEqual([]);
  });

  it("flush() while the destination is down says what is pending; the events wait in the spool", async () => {
    const r = new Receiver(() => ({ status: 503 }));
    await r.start();
    receivers.push(r);
    const dir = tempDir();
    const child = runChild({ dir, url: r.url, secret: SECRET, count: 25, delivery: DELIVERY, then: "flush", timeoutMs: 700 });
    expect((await child.exit).code).toBe(0);
    const flushed = child.step("flushed")!;
    expect(flushed.result).toMatchObject({ complete: false, timed_out: true, pending: { webhook: 25 } });
    const stats = flushed.stats as { sinks: { webhook: { pending: number; last_error: string } } };
    expect(stats.sinks.webhook.pending).toBe(25);
    expect(stats.sinks.webhook.last_error).toContain(`HTTP 503 Service Unavailable from http://127.0.0.1:${r.port}`);
    r.answer = () => "ok";
    const next = runChild({ dir, url: r.url, secret: SECRET, count: 0, delivery: DELIVERY, then: "shutdown", timeoutMs: 20_000 });
    expect((await next.exit).code).toBe(0);
    expect(missing(child.recorded(), r.ids)).toEqual([]);
  });
});
