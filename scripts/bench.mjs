// `npm run bench [-- NAME...]`: runs the benchmarks (after the build that the npm script does).
// With no name: the default suite, in this order, stopping at the first failure. With names: only
// those, in the order given. The soak, scale and pg-scale are never part of the default run (they take minutes).
// Exit status: the first failing benchmark's, 2 for an unknown name.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** name → command (argv), run from the repository root. */
const BENCHMARKS = {
  "handler-overhead": ["node", "--expose-gc", "bench/handler-overhead.mjs"],
  redaction: ["node", "--import", "tsx", "bench/redaction.mjs"],
  delivery: ["node", "--expose-gc", "bench/delivery.mjs"],
  "writer-designs": ["node", "bench/writer-designs.mjs"],
  integrity: ["node", "bench/integrity.mjs"],
  evidence: ["node", "bench/evidence.mjs"],
  store: ["scripts/with-postgres.sh", "node", "bench/store.mjs"],
  "pg-scale": ["scripts/with-postgres.sh", "node", "bench/pg-scale.mjs"],
  overhead: ["node", "bench/overhead.mjs"],
  soak: ["node", "bench/soak.mjs"],
  scale: ["node", "bench/scale.mjs"],
};
const DEFAULT = ["handler-overhead", "overhead", "writer-designs", "redaction", "delivery", "integrity", "evidence", "store"];

const names = process.argv.slice(2);
const unknown = names.filter((n) => !Object.hasOwn(BENCHMARKS, n));
if (unknown.length) {
  console.error(`bench: unknown benchmark ${unknown.map((n) => `"${n}"`).join(", ")}. Names: ${Object.keys(BENCHMARKS).join(", ")} (no name: ${DEFAULT.join(", ")}).`);
  process.exit(2);
}

for (const name of names.length ? names : DEFAULT) {
  const [cmd, ...args] = BENCHMARKS[name];
  // Each benchmark gets a temp dir of its own, removed afterwards: a benchmark that fails or is
  // interrupted half-way never leaves its trails (hundreds of MB for some) in the OS temp dir.
  const tmp = mkdtempSync(join(tmpdir(), `agent-audit-bench-${name}-`));
  // `node` is this very Node binary, whatever PATH says.
  const res = spawnSync(cmd === "node" ? process.execPath : cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, TMPDIR: tmp } });
  rmSync(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  if (res.error) {
    console.error(`bench: cannot run ${name} (${[cmd, ...args].join(" ")}): ${res.error.message}`);
    process.exit(1);
  }
  if (res.status !== 0) {
    const code = res.status ?? 128 + (constants.signals[res.signal] ?? 0);
    console.error(`bench: ${name} failed (${res.signal ? `killed by ${res.signal}` : `exit status ${res.status}`})`);
    process.exit(code || 1);
  }
}
