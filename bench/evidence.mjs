// Evidence bundles at scale: `npm run bench -- evidence` (after a build; part of the default run).
// A 1,000,000-event trail is written through the real writer (one chain, checkpoints every 1,000
// events, so the tree files are kept as in production), ~20,000 sessions of 50 events. Then, for
// sessions picked at random (seeded): `prove` (find the session's events by byte search, read the
// tree files, compute 50 inclusion proofs, self-check), first call and best of the rest, and
// `verifyBundle` on the result; and `prove` once more with the tree files deleted (rebuilt from
// the segments), which is what an old trail costs.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail, jsonlSink } from "../dist/index.js";
import { prove } from "../dist/evidence/prove.js";
import { verifyBundle } from "../dist/evidence/verify-bundle.js";
import { writeSection, machine } from "./report.mjs";

const EVENTS = Number(process.env.BENCH_EVIDENCE_EVENTS ?? 1_000_000);
const PER_SESSION = 50;
const SESSIONS = EVENTS / PER_SESSION;
const keys = generateKeyPairSync("ed25519");
const dir = mkdtempSync(join(tmpdir(), "audit-bench-evidence-"));
let seed = 20261203;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);

const started = Date.now();
const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, integrity: { signingKey: keys.privateKey } });
// Sessions interleave as concurrent agents' would: 200 open at a time.
for (let i = 0; i < EVENTS; i++) {
  const session = `sess-${(Math.floor(i / (200 * PER_SESSION)) * 200 + (i % 200)).toString().padStart(6, "0")}`;
  trail.record({ type: i % 5 === 2 ? "tool_end" : "llm_end", name: i % 5 === 2 ? "search_flights" : "gpt-4o", session_id: session, user_id: `user-${i % 2000}`, data: { i, text: "3 flights to Paris: AF1234 €189, BA305 €204, U24811 €99" } });
  if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
}
await trail.shutdown();
const writeSeconds = (Date.now() - started) / 1000;
const bytes = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl")).slice(11, 47);
const treeBytes = statSync(join(dir, ".digests", `${chain}.leaves`)).size + statSync(join(dir, ".digests", `${chain}.tiles`)).size;

const time = async (fn) => {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6 };
};
const pick = () => `sess-${Math.floor(random() * SESSIONS).toString().padStart(6, "0")}`;
const proveMs = [];
const verifyMs = [];
let events = 0;
for (let r = 0; r < 7; r++) {
  const p = await time(() => prove(dir, { sessionId: pick() }, { publicKey: keys.publicKey }));
  proveMs.push(p.ms);
  events = p.value.events.length;
  const v = await time(() => verifyBundle(JSON.stringify(p.value), { publicKey: keys.publicKey }));
  if (!v.value.ok) throw new Error("bundle did not verify");
  verifyMs.push(v.ms);
}
rmSync(join(dir, ".digests", `${chain}.leaves`));
rmSync(join(dir, ".digests", `${chain}.tiles`));
const rebuilt = await time(() => prove(dir, { sessionId: pick() }, { publicKey: keys.publicKey }));
rmSync(dir, { recursive: true, force: true });

const best = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const result = { events: EVENTS, writeSeconds, trailMB: bytes / 1e6, treeMB: treeBytes / 1e6, sessionEvents: events, proveMs: { first: proveMs[0], median: median(proveMs), best: best(proveMs) }, verifyBundleMs: median(verifyMs), proveWithoutTreeFilesMs: rebuilt.ms };
console.log(JSON.stringify(result, null, 2));

writeSection(
  "evidence",
  `## Evidence bundles: one session of a 1,000,000-event trail

\`npm run bench -- evidence\` (\`bench/evidence.mjs\`). ${EVENTS.toLocaleString("en")} events written through the real writer in ${writeSeconds.toFixed(0)} s
(${(bytes / 1e6).toFixed(0)} MB of JSONL in one chain, checkpoints every 1,000 events; the tree files beside them take ${(treeBytes / 1e6).toFixed(1)} MB),
${SESSIONS.toLocaleString("en")} sessions of ${PER_SESSION} events, 200 interleaved at a time. Seven sessions picked at random (seeded):

| step | time |
|---|---|
| \`prove --session\` (${events} events: byte search of the trail, tree files, ${events} inclusion proofs, self-check), first | ${(proveMs[0] / 1000).toFixed(2)} s |
| the same, median / best of 7 | ${(median(proveMs) / 1000).toFixed(2)} s / ${(best(proveMs) / 1000).toFixed(2)} s |
| \`verifyBundle\` of that bundle (offline), median | ${median(verifyMs).toFixed(0)} ms |
| \`prove\` with the tree files deleted (tree rebuilt from the segments) | ${(rebuilt.ms / 1000).toFixed(2)} s |

Finding a session's events is a scan of the trail (a byte search per 4 MiB chunk; only lines holding
the session id are parsed), so it grows with the trail's size; the proofs themselves cost a few
thousand hashes each thanks to the 256-leaf block roots.

${await machine()}`,
);
