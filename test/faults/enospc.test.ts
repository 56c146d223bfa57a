// A full disk never tears the trail. On a real 512 KiB tmpfs (mounted here when running as root,
// as CI does) and, everywhere, through an injected write failure: every line stays whole, the
// events that fit in memory are written once space returns, the ones that did not are declared
// by a sealed trail.gap record, and `verify` reports a declared gap, never tampering.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { verifyTrail } from "../../src/integrity/verify.js";
import { tempDir } from "../helpers.js";

const CHILD = fileURLToPath(new URL("./children/enospc-child.mjs", import.meta.url));
const PRELOAD = fileURLToPath(new URL("./children/inject-enospc.mjs", import.meta.url));

interface Outcome {
  recorded: string[];
  during: { sinks: { jsonl: { buffered: number; write_failures: number } } };
  stats: { internal_errors: number; sinks: { jsonl: { write_failures: number; dropped: number; buffered: number } } };
  errors: string[];
}

function runChild(config: Record<string, unknown>, preload?: string): Promise<Outcome> {
  const args = [...(preload ? ["--import", preload] : []), CHILD, JSON.stringify(config)];
  const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  p.stdout.on("data", (d: Buffer) => (out += d));
  p.stderr.on("data", (d: Buffer) => (err += d));
  return new Promise((resolve, reject) =>
    p.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as Outcome);
    }),
  );
}

/** Every line of every segment: whole JSON, nothing glued or torn. */
function segmentLines(dir: string): Array<{ id: string; name?: string; data: Record<string, unknown> }> {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".jsonl")).sort()) {
    const text = readFileSync(join(dir, f), "utf8");
    expect(text.endsWith("\n")).toBe(true);
    for (const line of text.split("\n").filter(Boolean)) out.push(JSON.parse(line));
  }
  return out;
}

async function expectDeclaredOnly(dir: string, outcome: Outcome, expectGap: boolean) {
  const lines = segmentLines(dir);
  const onDisk = new Set(lines.map((l) => l.id));
  const lost = outcome.recorded.filter((id) => !onDisk.has(id));
  const report = await verifyTrail(dir);
  expect(report.problems).toEqual([]);
  expect(report.warnings).toEqual([]);
  expect(outcome.stats.sinks.jsonl.write_failures).toBeGreaterThan(0);
  expect(outcome.stats.internal_errors).toBeGreaterThan(0);
  expect(outcome.errors.some((e) => e.includes("ENOSPC"))).toBe(true);
  expect(outcome.stats.sinks.jsonl.buffered).toBe(0);
  if (!expectGap) {
    expect(lost).toEqual([]);
    expect(report.gaps).toEqual([]);
    expect(outcome.stats.sinks.jsonl.dropped).toBe(0);
  } else {
    expect(lost.length).toBeGreaterThan(0);
    expect(report.gaps).toHaveLength(1);
    expect(report.gaps[0]!.count).toBe(lost.length);
    expect(outcome.stats.sinks.jsonl.dropped).toBe(lost.length);
    expect(lines.find((l) => l.name === "trail.gap")!.data).toMatchObject({ sink: "jsonl", count: lost.length });
  }
}

// Root can mount a real small filesystem; anyone else gets the injected failure only.
let mountPoint: string | undefined;
let noMountReason = "not running as root, so no tmpfs can be mounted";
beforeAll(() => {
  if (process.getuid?.() !== 0) return;
  const point = mkdtempSync(join(tmpdir(), "audit-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", point], { stdio: "pipe" });
    mountPoint = point;
  } catch (err) {
    noMountReason = `mount -t tmpfs failed: ${(err as Error).message.split("\n")[0]}`;
    rmSync(point, { recursive: true, force: true });
  }
});
afterAll(() => {
  if (!mountPoint) return;
  try {
    execFileSync("umount", [mountPoint], { stdio: "pipe" });
  } finally {
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

describe("ENOSPC on a real 512 KiB tmpfs", () => {
  it("a short outage: every line whole, every event written once space returns", async (ctx) => {
    if (!mountPoint) return ctx.skip(noMountReason);
    const dir = join(mountPoint, "short");
    mkdirSync(dir);
    const outcome = await runChild({ dir, mode: "tmpfs", duringOutage: 50 });
    // A few may still fit in the last page the trail file already has; the rest wait in memory.
    expect(outcome.during.sinks.jsonl.buffered).toBeGreaterThan(40);
    await expectDeclaredOnly(dir, outcome, false);
  });

  it("a long outage: what did not fit in memory is declared by a trail.gap record, and verify says so", async (ctx) => {
    if (!mountPoint) return ctx.skip(noMountReason);
    const dir = join(mountPoint, "long");
    mkdirSync(dir);
    const outcome = await runChild({ dir, mode: "tmpfs", duringOutage: 200, limits: { maxBufferedBytes: 20_000 } });
    await expectDeclaredOnly(dir, outcome, true);
  });
});

describe("ENOSPC through an injected write failure (any user)", () => {
  it("a short outage with a short write first: the partial bytes are cut off, every event written", async () => {
    const dir = tempDir();
    const outcome = await runChild({ dir, mode: "inject", duringOutage: 50 }, PRELOAD);
    await expectDeclaredOnly(dir, outcome, false);
  });

  it("a long outage: a declared gap, not tampering", async () => {
    const dir = tempDir();
    const outcome = await runChild({ dir, mode: "inject", duringOutage: 300, limits: { maxBufferedBytes: 30_000 } }, PRELOAD);
    await expectDeclaredOnly(dir, outcome, true);
  });
});
