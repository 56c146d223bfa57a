// A script whose disk fills up under it: it records events, the disk fills (for real on a small
// tmpfs, or through the injected failure in inject-enospc.mjs), it records more, space returns,
// it records more and shuts down. Prints the ids it recorded and the trail's stats.
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createAuditTrail, jsonlSink } from "agent-audit-trail";

const config = JSON.parse(process.argv[2]);
const errors = [];
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const trail = createAuditTrail({
  sinks: [jsonlSink({ dir: config.dir })],
  ...(config.limits ? { limits: config.limits } : {}),
  onError: (e) => errors.push(e.message),
});
const recorded = [];
const record = (n, phase) => {
  for (let i = 0; i < n; i++) {
    const e = trail.record({ type: "custom", name: "tick", data: { phase, i, text: "a line of agent text ".repeat(10) } });
    if (e) recorded.push(e.id);
  }
};

const filler = join(config.fillDir ?? config.dir, "filler.bin");
function fill() {
  if (config.mode === "inject") {
    globalThis.__failWrites = true;
    return;
  }
  // Take every free byte of the filesystem.
  const fd = openSync(filler, "w");
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if (err.code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}
function free() {
  if (config.mode === "inject") globalThis.__failWrites = false;
  else unlinkSync(filler);
}

record(20, "before");
fill();
record(config.duringOutage ?? 50, "full");
const during = trail.stats();
free();
record(20, "after");
const result = await trail.shutdown({ timeoutMs: 5_000 });
print({ recorded, during, stats: trail.stats(), result, errors });
