// kill -9 at seeded random moments, during writes and during delivery, 24 times over one trail
// directory; then one more process on the directory, which must deliver everything the killed
// ones left. Checked by event id: every event any process said it recorded is on disk and at the
// receiver (duplicates allowed, none missing), and `verify` finds the trail intact.
import { afterAll, describe, expect, it } from "vitest";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readTrail } from "../../src/store/jsonl.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import { readCheckpoints } from "../../src/integrity/checkpoints.js";
import { tempDir } from "../helpers.js";
import { missing, Receiver, runChild, SECRET, seeded } from "./harness.js";

const KILLS = 24;

/** Appends the first bytes of a copy of a chain's last line: what a kill inside write(2) leaves. */
function tearChain(dir: string, chain: string): boolean {
  const name = readdirSync(dir)
    .filter((n) => n.endsWith(`.${chain}.jsonl`))
    .sort()
    .at(-1);
  if (!name) return false;
  const file = join(dir, name);
  const text = readFileSync(file, "utf8");
  if (!text.endsWith("\n") || text.length < 2) return false;
  const last = text.slice(text.lastIndexOf("\n", text.length - 2) + 1, -1);
  appendFileSync(file, last.slice(0, Math.max(1, Math.floor(last.length / 2))));
  return true;
}
const SEED = Number(process.env.FAULT_SEED ?? 20261202);
const receiver = new Receiver();
afterAll(() => receiver.close());

describe(`kill -9 at random points (seed ${SEED}, ${KILLS} kills)`, () => {
  it("loses nothing recorded: on disk, delivered after restart, and the chain verifies", async () => {
    await receiver.start();
    const random = seeded(SEED);
    const dir = tempDir();
    const recorded: string[] = [];
    let writesKilled = 0;
    let tears = 0;
    for (let k = 0; k < KILLS; k++) {
      const duringWrites = random() < 0.5;
      // Some receivers fail for a while, so kills also land between retries.
      const failing = random() < 0.3;
      receiver.answer = failing ? (n) => (n % 3 === 0 ? "ok" : { status: 503 }) : () => ({ delayMs: Math.floor(random() * 40) });
      const child = runChild({
        dir,
        url: receiver.url,
        secret: SECRET,
        delivery: { batchSize: 1 + Math.floor(random() * 20), lingerMs: Math.floor(random() * 30), initialBackoffMs: 20, maxBackoffMs: 200 },
        ...(duringWrites
          ? // Writing flat out, with large events: the kill lands in or between write(2) calls.
            { count: 0, then: "stream", yieldMs: 0, eventChars: 1 + Math.floor(random() * 60_000) }
          : // A burst recorded, then idle while delivery runs: the kill lands mid-delivery.
            { count: 50 + Math.floor(random() * 200), then: "wait", yieldEvery: 25, yieldMs: 1 }),
      });
      const started = await child.waitFor((l) => l.step === "streaming" || l.step === "waiting");
      await new Promise((res) => setTimeout(res, 20 + Math.floor(random() * 400)));
      child.proc.kill("SIGKILL");
      const exit = await child.exit;
      expect(exit.signal).toBe("SIGKILL");
      recorded.push(...child.recorded());
      if (duringWrites) writesKilled++;
      // A kill rarely lands inside one write(2); where it would have, it leaves a partial line.
      // Leave one by hand now and then, so the next process must tell the crash from tampering.
      if (random() < 0.3 && tearChain(dir, String(started.chain))) tears++;
    }
    expect(writesKilled).toBeGreaterThan(4);
    expect(writesKilled).toBeLessThan(KILLS - 4);
    // A tear is skipped when the chain's last line is itself unfinished, so the count varies under load.
    expect(tears).toBeGreaterThan(0);

    // Everything a killed process said it recorded was on disk before record() returned.
    const onDisk = new Set<string>();
    for await (const e of readTrail(dir)) onDisk.add(e.id);
    expect(missing(recorded, onDisk)).toEqual([]);

    // The next process on the directory delivers what the killed ones left, with no extra call.
    receiver.answer = () => "ok";
    const last = runChild({ dir, url: receiver.url, secret: SECRET, count: 0, delivery: { batchSize: 200, lingerMs: 0, initialBackoffMs: 20, maxBackoffMs: 200 }, then: "shutdown", timeoutMs: 60_000 });
    const exit = await last.exit;
    expect(exit.code, exit.stderr).toBe(0);
    expect(last.step("shut-down")!.result).toMatchObject({ complete: true });
    expect(missing(recorded, receiver.ids)).toEqual([]);

    // Crash, not tampering: whatever a kill tore was acknowledged by the last process.
    const report = await verifyTrail(dir);
    expect(report.problems).toEqual([]);
    // The one warning a crash may leave: a writer killed before its first checkpoint leaves events no
    // signature covers, and the next process does not sign for a chain nobody ever signed (anyone
    // could have written it). verify says so as a crash mark, not tampering.
    const unanchored = report.warnings.filter((w) => w.kind === "unsealed" && readCheckpoints(dir, w.chain_id!).length === 0);
    expect(report.warnings).toEqual(unanchored);
    // Every tear by hand, and any a kill left inside a write(2) (rare, but real), was acknowledged.
    expect(report.recoveries.length).toBeGreaterThanOrEqual(tears);
  }, 240_000);
});
