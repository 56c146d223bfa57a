// Recall and look-alike survival on the labeled corpus (test/fixtures/pii-corpus.ts). These are
// quality thresholds, not timings: speed lives in `npm run bench`.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";
import { generateCorpus, LOOKALIKE_KINDS, PII_ENTITIES, SECRET_ENTITIES } from "../fixtures/pii-corpus.js";
import { rate, score, totals } from "../fixtures/pii-score.js";

const corpus = generateCorpus();
const redactor = createRedactor();
const result = score(corpus, (input) => redactor.redact(input).value);

describe("redaction quality on the labeled corpus", () => {
  it("has several thousand samples covering every entity and look-alike kind", () => {
    expect(corpus.length).toBeGreaterThan(5000);
    for (const e of [...PII_ENTITIES, ...SECRET_ENTITIES]) expect(result.recall[e]?.[1], e).toBeGreaterThanOrEqual(100);
    for (const k of LOOKALIKE_KINDS) expect(result.lookalikesChanged[k]?.[1], k).toBeGreaterThanOrEqual(100);
  });

  it.each(PII_ENTITIES)("catches ≥ 99.5%% of %s", (entity) => {
    expect(rate(result.recall[entity]!)).toBeGreaterThanOrEqual(0.995);
  });

  it.each(SECRET_ENTITIES)("catches every %s", (entity) => {
    const [caught, total] = result.recall[entity]!;
    expect(caught).toBe(total);
  });

  it("changes ≤ 0.5% of harmless look-alikes overall, and ≤ 2% of any one kind", () => {
    expect(rate(totals(result.lookalikesChanged))).toBeLessThanOrEqual(0.005);
    for (const k of LOOKALIKE_KINDS) expect(rate(result.lookalikesChanged[k]!), k).toBeLessThanOrEqual(0.02);
  });

  it("a corpus with a different seed scores the same way (no tuning to one sample)", () => {
    const other = score(generateCorpus(7, 60), (input) => redactor.redact(input).value);
    expect(rate(totals(other.recall, PII_ENTITIES))).toBeGreaterThanOrEqual(0.995);
    expect(rate(totals(other.recall, SECRET_ENTITIES))).toBe(1);
    expect(rate(totals(other.lookalikesChanged))).toBeLessThanOrEqual(0.005);
  });
});
