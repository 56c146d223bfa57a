// Redaction quality on the seeded agent corpus (test/fixtures/agent-corpus.ts), per category:
// PII recall ≥ 99.9%, secret recall ≥ 99%, look-alikes changed ≤ 0.1% (each kind and overall).
// A category's failure message lists leaked or changed values with their context, so a failing
// run says what to fix. Set AGENT_CORPUS_REPORT=1 to print the whole table.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";
import {
  categoriesOf, changedRate, classOf, formatScore, generateAgentCorpus, generateAgentText, LABEL_CATEGORIES, recall, scoreAgentCorpus,
  type AgentSample, type AgentScore, type CategoryScore,
} from "../fixtures/agent-corpus.js";

const PII_RECALL = 0.999;
const SECRET_RECALL = 0.99;
const LOOKALIKE_CHANGED = 0.001;
const MIN_ITEMS = 200;

const redactor = createRedactor();
const redact = (input: AgentSample["input"]) => redactor.redact(input).value;

const corpus = generateAgentCorpus(1);
const result = scoreAgentCorpus(corpus, redact, classOf);
if (process.env.AGENT_CORPUS_REPORT) console.log(formatScore(result));

const show = (name: string, c: CategoryScore) =>
  `${name}: ${c.hits}/${c.total}\n` + c.examples.map((m) => `  value  ${JSON.stringify(m.value)}\n  input  …${JSON.stringify(m.input)}…\n  output …${JSON.stringify(m.output)}…`).join("\n");

/** Every category that misses its threshold, with examples: empty when the score passes. */
function failures(score: AgentScore): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(score)) {
    if (c.cls === "pii" && recall(c) < PII_RECALL) out.push(show(name, c));
    if (c.cls === "secret" && recall(c) < SECRET_RECALL) out.push(show(name, c));
    if (c.cls === "lookalike" && changedRate(c) > LOOKALIKE_CHANGED) out.push(show(name, c));
  }
  return out;
}

const overallChanged = (score: AgentScore) => {
  const look = Object.values(score).filter((c) => c.cls === "lookalike");
  return look.reduce((a, c) => a + c.hits, 0) / look.reduce((a, c) => a + c.total, 0);
};

describe("agent corpus: the fixture itself", () => {
  it("has ≥ 20,000 samples and ≥ 200 labeled items in every category", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20_000);
    for (const name of LABEL_CATEGORIES) expect(result[name]?.total ?? 0, name).toBeGreaterThanOrEqual(MIN_ITEMS);
  });

  it("is sound: under no redaction every sensitive value leaks and every look-alike survives", () => {
    // hits are "caught" for sensitive values and "changed" for look-alikes: none of either.
    const identity = scoreAgentCorpus(corpus, (x) => x, classOf);
    for (const [name, c] of Object.entries(identity)) expect(c.hits, name).toBe(0);
  });

  it("is deterministic per seed and differs across seeds", () => {
    const a = JSON.stringify(generateAgentCorpus(5, 3));
    expect(JSON.stringify(generateAgentCorpus(5, 3))).toBe(a);
    expect(JSON.stringify(generateAgentCorpus(6, 3))).not.toBe(a);
    const t = generateAgentText(3, 200_000);
    expect(generateAgentText(3, 200_000)).toEqual(t);
    expect(t.join("").length).toBeGreaterThanOrEqual(190_000);
    for (const doc of t) expect(doc.length).toBeGreaterThanOrEqual(100);
  });
});

describe("agent corpus: redaction quality per category", () => {
  it.each(categoriesOf("pii"))(`PII %s: recall ≥ ${PII_RECALL * 100}%`, (name) => {
    const c = result[name]!;
    expect(recall(c), show(name, c)).toBeGreaterThanOrEqual(PII_RECALL);
  });

  it.each(categoriesOf("secret"))(`secret %s: recall ≥ ${SECRET_RECALL * 100}%`, (name) => {
    const c = result[name]!;
    expect(recall(c), show(name, c)).toBeGreaterThanOrEqual(SECRET_RECALL);
  });

  it.each(categoriesOf("lookalike"))(`look-alike %s: changed ≤ ${LOOKALIKE_CHANGED * 100}%`, (name) => {
    const c = result[name]!;
    expect(changedRate(c), show(name, c)).toBeLessThanOrEqual(LOOKALIKE_CHANGED);
  });

  it(`look-alikes overall: changed ≤ ${LOOKALIKE_CHANGED * 100}%`, () => {
    expect(overallChanged(result)).toBeLessThanOrEqual(LOOKALIKE_CHANGED);
  });

  it("a second seed scores the same way on every category (no tuning to one draw)", () => {
    const other = scoreAgentCorpus(generateAgentCorpus(2, MIN_ITEMS), redact, classOf);
    expect(failures(other).join("\n\n")).toBe("");
    expect(overallChanged(other)).toBeLessThanOrEqual(LOOKALIKE_CHANGED);
  });
});
