// Redaction quality and speed: `npm run bench -- redaction` (or `node --import tsx bench/redaction.mjs`
// after a build). Runs this redactor and, in the same process on the same inputs, redact-pii,
// @redactpii/node and LangChain's built-in PII detectors.
//
// Quality, on two corpora: the labeled corpus (test/fixtures/pii-corpus.ts, short texts and nested
// objects) and the agent corpus (test/fixtures/agent-corpus.ts, what LangChain agents emit, scored
// with its decoding scorer): PII recall, secret recall, look-alikes changed.
//
// Speed, in CPU time (process.cpuUsage, user + system) because the host is shared: MB/s on one core
// over mixed agent text (the headline) and over the labeled short texts, variants interleaved over
// ROUNDS rounds, median. Ours only: µs per clean event through redactEvent, and MB/s on
// pathological input (one unit repeated to 10 KB and 100 KB).
import { createRequire } from "node:module";
import { createRedactor } from "../dist/index.js";
import { generateCorpus, PII_ENTITIES, SECRET_ENTITIES } from "../test/fixtures/pii-corpus.ts";
import { score, totals, rate } from "../test/fixtures/pii-score.ts";
import { classOf, generateAgentCorpus, generateAgentText, scoreAgentCorpus } from "../test/fixtures/agent-corpus.ts";
import { cleanEvents, flat, PATHOLOGICAL_UNITS, repeatTo } from "./redaction-inputs.mjs";
import { writeSection, machine } from "./report.mjs";

const require = createRequire(import.meta.url);
const ROUNDS = Number(process.env.BENCH_REDACT_ROUNDS ?? 7);
const AGENT_TEXT_BYTES = 2_000_000;
const CLEAN_EVENTS = 2000;
const CLEAN_PER_RUN = 20;
/** Passes over the clean events per round, each with its own redactor (as a new process would have). */
const CLEAN_PASSES = 5;
/** CPU seconds one pathological input may take over all its rounds; a slow one gets fewer rounds. */
const PATHOLOGICAL_BUDGET_S = 3;

const began = process.cpuUsage();
const wallStart = performance.now();
/** CPU seconds (user + system, whole process) that fn takes. */
function cpuSeconds(fn) {
  const at = process.cpuUsage();
  fn();
  const d = process.cpuUsage(at);
  return (d.user + d.system) / 1e6;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const bytesOf = (xs) => xs.reduce((a, t) => a + Buffer.byteLength(t), 0);

// ---- Inputs -----------------------------------------------------------------------------------
const corpus = generateCorpus();
const texts = corpus.map((s) => s.input).filter((x) => typeof x === "string").map(flat);
const textBytes = bytesOf(texts);
const agentCorpus = generateAgentCorpus(1);
const agentText = generateAgentText(42, AGENT_TEXT_BYTES).map(flat);
const agentTextBytes = bytesOf(agentText);

// ---- Contenders -------------------------------------------------------------------------------
const { SyncRedactor } = require("redact-pii");
const redactPii = new SyncRedactor();
const { Redactor: RedactPiiNode } = await import("@redactpii/node");
const redactPiiNode = new RedactPiiNode();
const lc = await import("langchain");
const lcDetectors = [lc.detectEmail, lc.detectCreditCard, lc.detectIP, lc.detectMacAddress, lc.detectUrl];
function langchainRedact(text) {
  const spans = lcDetectors.flatMap((d) => d(text)).sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out += text.slice(at, s.start) + "[REDACTED]";
    at = s.end;
  }
  return out + text.slice(at);
}
/**
 * A library without an object API gets an object as its JSON text. When its output no longer
 * parses (a number in a JSON value replaced by a bare word), the redacted text is its output.
 */
const viaJson = (redactText) => (v) => {
  if (typeof v === "string") return redactText(v);
  const out = redactText(JSON.stringify(v));
  try {
    return JSON.parse(out);
  } catch {
    return out;
  }
};

/**
 * `any`: redacts a string or an object, for quality. `text()`: a fresh text-redaction function for
 * one timed pass. Ours caches texts of 256+ characters, so each pass gets a new redactor, made
 * before the clock starts: a later pass would otherwise be all cache hits.
 */
const contenders = {
  "agent-audit-trail": {
    any: () => {
      const r = createRedactor();
      return (v) => r.redact(v).value;
    },
    text: () => {
      const r = createRedactor();
      return (t) => r.redactText(t);
    },
  },
  "redact-pii": { any: () => viaJson((t) => redactPii.redact(t)), text: () => (t) => redactPii.redact(t) },
  "@redactpii/node": { any: () => (v) => (typeof v === "string" ? redactPiiNode.redact(v) : redactPiiNode.redactObject(v)), text: () => (t) => redactPiiNode.redact(t) },
  "LangChain PII detectors": { any: () => viaJson(langchainRedact), text: () => langchainRedact },
};
const NAMES = Object.keys(contenders);
const OURS = NAMES[0];
/** A library that throws has redacted nothing. */
const guarded = (f, failures) => (input) => {
  try {
    return f(input);
  } catch {
    failures.n++;
    return input;
  }
};

// ---- Quality ----------------------------------------------------------------------------------
const quality = {};
const agentScores = {};
for (const name of NAMES) {
  const labeledFailures = { n: 0 };
  const s = score(corpus, guarded(contenders[name].any(), labeledFailures));
  const agentFailures = { n: 0 };
  const a = scoreAgentCorpus(agentCorpus, guarded(contenders[name].any(), agentFailures), classOf);
  agentScores[name] = a;
  const byClass = { pii: [0, 0], secret: [0, 0], lookalike: [0, 0] };
  for (const c of Object.values(a)) {
    byClass[c.cls][0] += c.hits;
    byClass[c.cls][1] += c.total;
  }
  quality[name] = {
    labeled: {
      pii: rate(totals(s.recall, PII_ENTITIES)),
      secrets: rate(totals(s.recall, SECRET_ENTITIES)),
      lookalikes: rate(totals(s.lookalikesChanged)),
      threw: labeledFailures.n,
      perEntity: s.recall,
    },
    agent: {
      pii: rate(byClass.pii),
      secrets: rate(byClass.secret),
      lookalikes: byClass.lookalike[1] ? byClass.lookalike[0] / byClass.lookalike[1] : 0,
      counts: byClass,
      threw: agentFailures.n,
    },
  };
}

// ---- Speed: mixed agent text and short texts, all contenders ---------------------------------
const workloads = { agentText: { inputs: agentText, bytes: agentTextBytes }, shortTexts: { inputs: texts, bytes: textBytes } };
const speed = Object.fromEntries(Object.keys(workloads).map((w) => [w, Object.fromEntries(NAMES.map((n) => [n, []]))]));
const speedFailures = Object.fromEntries(NAMES.map((n) => [n, { n: 0 }]));
function pass(name, inputs) {
  const f = guarded(contenders[name].text(), speedFailures[name]);
  return cpuSeconds(() => {
    for (const t of inputs) f(t);
  });
}
for (const name of NAMES) for (const w of Object.values(workloads)) pass(name, w.inputs); // warm up: one full pass each
for (let round = 0; round < ROUNDS; round++) {
  const names = [...NAMES];
  for (let k = 0; k < round % names.length; k++) names.push(names.shift());
  for (const [w, { inputs, bytes }] of Object.entries(workloads)) {
    for (const name of names) speed[w][name].push(bytes / 1e6 / pass(name, inputs));
  }
}

// ---- Clean events, ours -----------------------------------------------------------------------
const events = cleanEvents(CLEAN_EVENTS, CLEAN_PER_RUN);
{
  const r = createRedactor();
  const changed = events.filter((e) => r.redactEvent(e) !== e);
  if (changed.length) throw new Error(`clean events: ${changed.length} of ${events.length} came back changed (${JSON.stringify(r.redactEvent(changed[0]).redactions)}); they are not clean`);
}
const cleanUs = [];
for (let round = 0; round < ROUNDS; round++) {
  const redactors = Array.from({ length: CLEAN_PASSES }, () => createRedactor());
  const s = cpuSeconds(() => {
    for (const r of redactors) for (const e of events) r.redactEvent(e);
  });
  cleanUs.push((s * 1e6) / (CLEAN_PASSES * events.length));
}
const cleanEventBytes = bytesOf(events.map((e) => JSON.stringify(e)));

// ---- Pathological input, ours ----------------------------------------------------------------
const SMALL = 10_000;
const LARGE = 100_000;
const SMALL_REPEATS = 10;
// An array, not an object: "1" would sort first as an integer-like key.
const patho = PATHOLOGICAL_UNITS.map((unit) => ({ unit, small: [], large: [], spent: 0, smallText: repeatTo(unit, SMALL), largeText: repeatTo(unit, LARGE) }));
for (const p of patho) createRedactor().redactText(p.smallText.slice(0, 2000)); // warm up
for (let round = 0; round < ROUNDS; round++) {
  for (const p of patho) {
    if (round > 0 && p.spent > PATHOLOGICAL_BUDGET_S) continue;
    const big = createRedactor();
    const sLarge = cpuSeconds(() => big.redactText(p.largeText));
    const smalls = Array.from({ length: SMALL_REPEATS }, () => createRedactor());
    const sSmall = cpuSeconds(() => {
      for (const r of smalls) r.redactText(p.smallText);
    });
    p.large.push(LARGE / 1e6 / sLarge);
    p.small.push((SMALL * SMALL_REPEATS) / 1e6 / sSmall);
    p.spent += sLarge + sSmall;
  }
}
const pathological = patho.map((p) => ({ unit: p.unit, mbs10k: median(p.small), mbs100k: median(p.large), rounds: p.large.length }));

// ---- Report -----------------------------------------------------------------------------------
const speedMBs = Object.fromEntries(Object.entries(speed).map(([w, byName]) => [w, Object.fromEntries(NAMES.map((n) => [n, median(byName[n])]))]));
const cleanEventUs = median(cleanUs);
const ours = quality[OURS];
const worstPathological = Math.min(...pathological.map((p) => p.mbs100k));
const targets = {
  agentPiiRecall: { value: ours.agent.pii, target: ">= 0.999", met: ours.agent.pii >= 0.999 },
  agentSecretRecall: { value: ours.agent.secrets, target: ">= 0.99", met: ours.agent.secrets >= 0.99 },
  agentLookalikesChanged: { value: ours.agent.lookalikes, target: "<= 0.001", met: ours.agent.lookalikes <= 0.001 },
  agentTextMBs: { value: speedMBs.agentText[OURS], target: ">= 60", met: speedMBs.agentText[OURS] >= 60 },
  cleanEventUs: { value: cleanEventUs, target: "<= 2", met: cleanEventUs <= 2 },
  pathologicalMBs: { value: worstPathological, target: ">= 5 (slowest input, 100 KB)", met: worstPathological >= 5 },
};

const pct = (x) => `${(x * 100).toFixed(2)}%`;
const mbs = (x) => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2));
const qualityRows = NAMES.map((n) => {
  const { agent: a, labeled: l } = quality[n];
  return `| ${n} | ${pct(a.pii)} | ${pct(a.secrets)} | ${pct(a.lookalikes)} | ${pct(l.pii)} | ${pct(l.secrets)} | ${pct(l.lookalikes)} |`;
}).join("\n");
const speedRows = NAMES.map((n) => `| ${n} | ${mbs(speedMBs.agentText[n])} | ${mbs(speedMBs.shortTexts[n])} |`).join("\n");
const entityRows = [...PII_ENTITIES, ...SECRET_ENTITIES].map((e) => `| ${e} | ${NAMES.map((n) => pct(rate(quality[n].labeled.perEntity[e] ?? [0, 1]))).join(" | ")} |`).join("\n");
const CLASS_ORDER = { pii: 0, secret: 1, lookalike: 2 };
// Worst first within a class: the lowest recall, the highest share of look-alikes changed.
const badness = (c) => (c.cls === "lookalike" ? c.hits / (c.total || 1) : 1 - c.hits / (c.total || 1));
const categoryRows = Object.entries(agentScores[OURS])
  .sort(([a, x], [b, y]) => CLASS_ORDER[x.cls] - CLASS_ORDER[y.cls] || badness(y) - badness(x) || a.localeCompare(b))
  .map(([name, c]) => `| ${name} | ${c.cls} | ${c.hits}/${c.total} | ${pct(c.total ? c.hits / c.total : c.cls === "lookalike" ? 0 : 1)} |`)
  .join("\n");
const pathoRows = pathological.map((p) => `| \`${p.unit}\` | ${mbs(p.mbs10k)} | ${mbs(p.mbs100k)} | ${p.rounds} |`).join("\n");
const agentCounts = quality[OURS].agent.counts;
const mark = (t) => (t.met ? "met" : "missed");

const cpu = process.cpuUsage(began);
const result = {
  rounds: ROUNDS,
  labeledCorpus: { samples: corpus.length, shortTexts: texts.length, avgTextBytes: textBytes / texts.length },
  agentCorpus: { samples: agentCorpus.length, sensitive: agentCounts.pii[1] + agentCounts.secret[1], lookalikes: agentCounts.lookalike[1] },
  agentText: { documents: agentText.length, bytes: agentTextBytes },
  quality: Object.fromEntries(NAMES.map((n) => [n, { labeled: { ...quality[n].labeled, perEntity: undefined }, agent: quality[n].agent }])),
  speedMBs,
  speedThrew: Object.fromEntries(NAMES.map((n) => [n, speedFailures[n].n])),
  cleanEvent: { us: cleanEventUs, perRound: cleanUs, events: events.length, avgEventBytes: cleanEventBytes / events.length },
  pathologicalMBs: pathological,
  targets,
  oursImperfect: Object.fromEntries(
    Object.entries(agentScores[OURS])
      .filter(([, c]) => (c.cls === "lookalike" ? c.hits > 0 : c.hits < c.total))
      .map(([name, c]) => [name, { cls: c.cls, hits: c.hits, total: c.total, examples: c.examples }]),
  ),
  benchCpuSeconds: (cpu.user + cpu.system) / 1e6,
  benchWallSeconds: (performance.now() - wallStart) / 1e3,
};
console.log(JSON.stringify(result, null, 2));

writeSection(
  "redaction",
  `## Redaction: recall, look-alikes, speed

Two labeled corpora, every library on the same samples (objects through the library's object API
where it has one, else as JSON text; a library that throws has redacted nothing):

- **agent corpus**: ${agentCorpus.length.toLocaleString("en")} samples from \`test/fixtures/agent-corpus.ts\` (seed 1): what LangChain agents emit —
  chat prose, markdown, code, shell, logs, JSON tool results, config files, HTTP dumps, inside trace
  envelopes — with ${(agentCounts.pii[1] + agentCounts.secret[1]).toLocaleString("en")} personal-data and secret values and ${agentCounts.lookalike[1].toLocaleString("en")} harmless look-alikes. A value
  counts as caught only when it is gone from the output *and* from what the output decodes to
  (percent-encoding, JSON escapes, base64).
- **labeled corpus**: ${corpus.length.toLocaleString("en")} samples from \`test/fixtures/pii-corpus.ts\` (${texts.length.toLocaleString("en")} short texts averaging ${Math.round(textBytes / texts.length)} bytes, plus
  nested objects); a value counts as caught when it no longer appears in the output.

"Look-alikes changed" is the share of harmless values (order numbers, dates, versions, UUIDs,
Luhn-invalid cards, hashes, ISBNs, prices, invalid IBANs/SSNs/IPs…) that did not survive unchanged.

| redactor | agent: PII recall | agent: secret recall | agent: look-alikes changed | labeled: PII recall | labeled: secret recall | labeled: look-alikes changed |
|---|---|---|---|---|---|---|
${qualityRows}

Speed is CPU time (user + system of the process), not wall time, because the host is shared: MB/s
on one core, median of ${ROUNDS} rounds, the libraries interleaved (order rotated each round). **Mixed
agent text** is the headline: ${agentText.length} documents, ${(agentTextBytes / 1e6).toFixed(1)} MB, from \`generateAgentText(42)\` (markdown answers,
JSON search results, code, logs, chat transcripts of 100 B–18 KB, personal data or a secret every
1–2 KB). **Short texts** are the labeled corpus's ${texts.length.toLocaleString("en")} texts. Ours gets a fresh redactor for every
pass, since it remembers texts of 256+ characters.

| redactor | mixed agent text, MB/s | short texts, MB/s |
|---|---|---|
${speedRows}

**Clean event, ours: ${cleanEventUs.toFixed(2)} µs** per \`redactEvent\` (median of ${ROUNDS} rounds of ${(CLEAN_PASSES * events.length).toLocaleString("en")} calls): ${events.length.toLocaleString("en")}
distinct llm_start events with nothing to redact (name, tags, metadata with provider, model and a
thread id, a system prompt and a ~140-character user message of ordinary prose, model parameters;
${Math.round(cleanEventBytes / events.length)} bytes of JSON on average). As in real runs, ${CLEAN_PER_RUN} consecutive events share their tags and
metadata objects, which the redactor redacts once per object.

**Pathological input, ours**: one unit repeated to 10 KB and to 100 KB, fresh redactor each time;
linear when both columns agree. A slow input gets fewer rounds (${PATHOLOGICAL_BUDGET_S} CPU-seconds each).

| unit | MB/s at 10 KB | MB/s at 100 KB | rounds |
|---|---|---|---|
${pathoRows}

Labeled corpus, recall per entity:

| entity | ${NAMES.join(" | ")} |
|---|${NAMES.map(() => "---").join("|")}|
${entityRows}

Agent corpus, ours, per category (worst first within each class; the rate is recall for PII and
secrets, the share changed for look-alikes):

| category | class | hits/total | rate |
|---|---|---|---|
${categoryRows}

Targets: PII recall ≥ 99.9%, secret recall ≥ 99%, look-alikes changed ≤ 0.1% on the agent corpus;
≥ 60 MB/s on mixed agent text; ≤ 2 µs per clean event; ≥ 5 MB/s on pathological input.
This run: PII ${pct(targets.agentPiiRecall.value)} (${mark(targets.agentPiiRecall)}), secrets ${pct(targets.agentSecretRecall.value)} (${mark(targets.agentSecretRecall)}), look-alikes ${pct(targets.agentLookalikesChanged.value)} (${mark(targets.agentLookalikesChanged)}),
${mbs(targets.agentTextMBs.value)} MB/s (${mark(targets.agentTextMBs)}), ${cleanEventUs.toFixed(2)} µs (${mark(targets.cleanEventUs)}), slowest pathological ${mbs(worstPathological)} MB/s (${mark(targets.pathologicalMBs)}).

${await machine()}`,
);
