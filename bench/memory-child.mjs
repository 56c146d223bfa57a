// One memory measurement in a fresh process (so variants cannot inherit each other's heap):
// `node --expose-gc bench/memory-child.mjs <none|noop|audit> <runs>` prints JSON growth figures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink } from "../dist/index.js";
import { NoopHandler, runOnce } from "./fixture.mjs";

const [variant, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5000);
const dir = mkdtempSync(join(tmpdir(), "audit-bench-mem-"));
const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
const callbacks = variant === "audit" ? [trail.handler()] : variant === "noop" ? [new NoopHandler()] : [];

for (let i = 0; i < 300; i++) await runOnce(callbacks, i); // warm up: JIT, module caches
globalThis.gc();
globalThis.gc();
const before = process.memoryUsage();
for (let i = 0; i < runs; i++) await runOnce(callbacks, i);
globalThis.gc();
globalThis.gc();
const after = process.memoryUsage();
await trail.shutdown();
rmSync(dir, { recursive: true, force: true });
const mb = (n) => n / 2 ** 20;
console.log(JSON.stringify({ variant, runs, heapMB: mb(after.heapUsed - before.heapUsed), rssMB: mb(after.rss - before.rss) }));
