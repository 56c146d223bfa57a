// Memory of one variant on one shape, in a fresh process (variants cannot inherit each other's
// heap): `node --expose-gc bench/overhead-child.mjs <shape> <variant> <runs> <block> <port>`.
// Warm-up, full GC, `runs` runs (flushing the variant every `block` runs, as the timing run does),
// full GC; prints JSON: RSS and heap growth, and the process's peak RSS.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SHAPES, makeVariant } from "./overhead-setup.mjs";

const [shapeName, variantName, runsArg, blockArg, portArg] = process.argv.slice(2);
const runs = Number(runsArg);
const block = Math.max(1, Number(blockArg));
const shape = SHAPES[shapeName];
const dir = mkdtempSync(join(tmpdir(), "audit-bench-overhead-mem-"));
const v = await makeVariant(variantName, { port: Number(portArg), dir });

const pass = async (n) => {
  for (let i = 0; i < n; i++) {
    await shape.run(v.callbacks, i);
    if ((i + 1) % block === 0 || i === n - 1) {
      await v.settle();
      await v.flush();
    }
  }
};
await pass(Math.max(block * 2, Math.ceil(runs / 5))); // warm up: JIT, module caches, first exports
globalThis.gc();
globalThis.gc();
const before = process.memoryUsage();
await pass(runs);
globalThis.gc();
globalThis.gc();
const after = process.memoryUsage();
const peakRssMB = process.resourceUsage().maxRSS / 1024;
await v.close();
rmSync(dir, { recursive: true, force: true });
const mb = (n) => n / 2 ** 20;
console.log(JSON.stringify({ shape: shapeName, variant: variantName, runs, rssMB: mb(after.rss - before.rss), heapMB: mb(after.heapUsed - before.heapUsed), baseRssMB: mb(before.rss), peakRssMB }));
process.exit(0); // exporters' timers and keep-alive sockets would keep the process alive
