// Integrity costs: `npm run bench` (after a build).
// 1. Sealing per event (salted content digest + chained envelope hash): events recorded with the
//    hash chain on and off, interleaved blocks, median µs per event, and the difference.
// 2. Verify throughput: a 100,000-event trail checked end to end (stream, parse, two SHA-256 per
//    event, checkpoint signatures), events per second.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { lineBlocks, splitLines } from "../dist/format/line-reader.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink } from "../dist/index.js";
import { verifyTrail } from "../dist/integrity/verify.js";
import { writeSection, machine } from "./report.mjs";

const EVENTS = Number(process.env.BENCH_VERIFY_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SEAL_ROUNDS ?? 15);
const BLOCK = 2_000;
const keys = generateKeyPairSync("ed25519");
const root = mkdtempSync(join(tmpdir(), "audit-bench-integrity-"));
const data = { tool: "search_flights", tool_call_id: "call_1", args: { to: "Paris", date: "2026-12-01" }, result: "3 flights to Paris: AF1234 €189, BA305 €204, U24811 €99" };

const trails = {
  sealed: createAuditTrail({ sinks: [jsonlSink({ dir: join(root, "sealed") })], redaction: false, integrity: { signingKey: keys.privateKey } }),
  unsealed: createAuditTrail({ sinks: [jsonlSink({ dir: join(root, "unsealed") })], redaction: false, integrity: false }),
};
const block = (trail) => {
  const t = process.hrtime.bigint();
  for (let i = 0; i < BLOCK; i++) trail.record({ type: "tool_end", name: "search_flights", data });
  return Number(process.hrtime.bigint() - t) / 1e3 / BLOCK;
};
for (const t of Object.values(trails)) block(t); // warm up
const per = { sealed: [], unsealed: [] };
for (let r = 0; r < ROUNDS; r++) for (const name of r % 2 ? ["unsealed", "sealed"] : ["sealed", "unsealed"]) per[name].push(block(trails[name]));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sealUs = median(per.sealed) - median(per.unsealed);
for (const t of Object.values(trails)) await t.shutdown();

const vdir = join(root, "verify");
const big = createAuditTrail({ sinks: [jsonlSink({ dir: vdir })], redaction: false, integrity: { signingKey: keys.privateKey, checkpointEvery: 10_000 } });
for (let i = 0; i < EVENTS; i++) big.record({ type: "tool_end", name: "search_flights", data });
await big.shutdown();
// Interleaved with a yardstick measured on the same files in the same process: reading and
// JSON.parse of every line and nothing else, the floor any verifier of a JSONL trail pays.
const parseOnly = async () => {
  const t = process.hrtime.bigint();
  let n = 0;
  for (const f of readdirSync(vdir).filter((f) => f.endsWith(".jsonl"))) for await (const block of lineBlocks(join(vdir, f))) for (const line of splitLines(block)) if (line.length) (JSON.parse(line.toString("utf8")), n++);
  return n / (Number(process.hrtime.bigint() - t) / 1e9);
};
const rates = { verify: [], parse: [] };
let report;
for (let r = 0; r < 5; r++) {
  report = await verifyTrail(vdir, { publicKey: keys.publicKey });
  rates.verify.push(report.eventsPerSecond);
  rates.parse.push(await parseOnly());
}
report.eventsPerSecond = median(rates.verify);
const parseRate = median(rates.parse);
rmSync(root, { recursive: true, force: true });
const result = { sealUs, recordUs: { sealed: median(per.sealed), unsealed: median(per.unsealed) }, verify: { ok: report.ok, events: report.events, seconds: report.seconds, eventsPerSecond: report.eventsPerSecond, parseOnlyPerSecond: parseRate } };
console.log(JSON.stringify(result, null, 2));

writeSection(
  "integrity",
  `## Integrity: sealing and verifying

\`bench/integrity.mjs\`.

- **Sealing costs ${sealUs.toFixed(1)} µs per event**: recording a tool event to JSONL takes ${result.recordUs.sealed.toFixed(1)} µs with the hash chain
  and ${result.recordUs.unsealed.toFixed(1)} µs without (median of ${ROUNDS} interleaved blocks of ${BLOCK.toLocaleString("en")}; redaction off in both, to isolate
  the salt, the two SHA-256 over canonical JSON, and the checkpoint every 1,000 events).
- **Verify: ${Math.round(report.eventsPerSecond).toLocaleString("en")} events/s** (median of 5) — ${report.events.toLocaleString("en")} events checked per run (streamed; content
  digest, envelope hash, link and seq, Merkle tree rebuilt per event; every checkpoint signature, note and consistency proof), ${report.ok ? "clean" : "NOT clean"}.
  Yardstick, interleaved in the same process: reading and \`JSON.parse\` of the same lines alone runs at
  ${Math.round(parseRate).toLocaleString("en")} lines/s, so verifying costs ${(parseRate / report.eventsPerSecond).toFixed(1)}× a bare parse.

${await machine()}`,
);
