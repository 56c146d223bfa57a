// gitleaks' maintained rule set, vendored (src/redact/rules/gitleaks.ts, from
// scripts/refresh-gitleaks-rules.mjs): the RE2 → JavaScript translation means what RE2 meant, every
// rule compiles, and every rule finds the secrets its own regex describes (seeded samples generated
// from each rule with randexp, as gitleaks generates its own from its rules), through the keyword
// prefilter, the entropy check and the allowlists, and inside the redactor.
import { describe, expect, it } from "vitest";
import RandExp from "randexp";
import { translateGoRegex } from "../../scripts/go-regex.mjs";
import { GITLEAKS } from "../../src/redact/rules/gitleaks.js";
import { findProviderSecrets, shannonEntropy } from "../../src/redact/provider-secrets.js";
import { KeywordAutomaton } from "../../src/redact/keyword-automaton.js";
import { createRedactor } from "../../src/index.js";
import { seeded } from "../faults/harness.js";

const js = (go: string) => {
  const { source, flags } = translateGoRegex(go);
  return new RegExp(source, flags);
};

describe("RE2 → JavaScript", () => {
  it("keeps a case-sensitive prefix before a mid-pattern (?i)", () => {
    const re = js("SG\\.(?i)[a-z]{3}");
    expect(re.test("SG.AbC")).toBe(true);
    expect(re.test("sg.abc")).toBe(false);
  });
  it("spells out (?i:…) and (?-i:…) inside a case-insensitive pattern", () => {
    const re = js("(?i)key(?-i:AB)(?i:cd)");
    expect(re.test("KEYABcD")).toBe(true);
    expect(re.test("keyabcd")).toBe(false);
  });
  it("turns \\z into $, (?P<n>) into (?<n>), POSIX classes into ranges, (?s:.) into [\\s\\S]", () => {
    expect(js("a\\z").test("xa")).toBe(true);
    expect(js("a\\z").test("ab")).toBe(false);
    expect(js("(?P<k>b)").exec("ab")?.groups?.k).toBe("b");
    expect(js("[[:alnum:]]+").exec("-ab1-")?.[0]).toBe("ab1");
    expect(js("(?s:a.b)").test("a\nb")).toBe(true);
  });
  it("does not fold the hex digits of \\x escapes inside a case-insensitive class", () => {
    const re = js("(?i)x(?-i:Y)[\\x41]");
    expect(re.test("XYA")).toBe(true);
    expect(re.test("XYa")).toBe(true); // (?i) folds the class's A, as RE2 does
    expect(re.test("XYb")).toBe(false);
  });
});

describe("the vendored rule set", () => {
  it("records its source, version, commit and license, and every rule compiles", () => {
    expect(GITLEAKS.source).toContain("gitleaks/gitleaks");
    expect(GITLEAKS.license).toMatch(/^MIT/);
    expect(GITLEAKS.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(GITLEAKS.rules.length).toBeGreaterThan(200);
    for (const r of GITLEAKS.rules) expect(() => new RegExp(r.source, r.flags), r.id).not.toThrow();
    expect(GITLEAKS.skipped.map((s) => s.id)).toEqual(["pkcs12-file"]); // a file-path rule
  });

  it("finds, rule by rule, secrets generated from the rule's own regex", () => {
    const random = seeded(20261203);
    const missed: string[] = [];
    let tried = 0;
    for (const rule of GITLEAKS.rules) {
      const re = new RegExp(rule.source, rule.flags);
      // randexp's parser predates named groups; unnamed ones generate the same strings.
      const gen = new RandExp(new RegExp(rule.source.replace(/\(\?<([A-Za-z_]\w*)>/g, "(?:"), rule.flags));
      gen.randInt = (a: number, b: number) => a + Math.floor(random() * (b - a + 1));
      gen.max = 24;
      let sample: string | undefined;
      for (let i = 0; i < 40 && !sample; i++) {
        const s = `${gen.gen()} `;
        const m = re.exec(s);
        const secret = m ? (m[rule.secretGroup ?? 1] ?? m[0]) : undefined;
        // A usable sample: the regex matches it, and its secret is one gitleaks itself would report.
        if (secret && (rule.entropy === undefined || shannonEntropy(secret) >= rule.entropy) && !GITLEAKS.allow.stopwords.some((w) => secret.toLowerCase().includes(w))) sample = s;
      }
      if (!sample) continue;
      tried++;
      if (!findProviderSecrets(sample).some((f) => f.rule === rule.id)) missed.push(`${rule.id}: ${JSON.stringify(sample.slice(0, 80))}`);
    }
    expect(tried).toBeGreaterThan(180);
    // Allowlist regexes may refuse a random sample; nothing else should.
    expect(missed.length, missed.join("\n")).toBeLessThanOrEqual(Math.ceil(tried * 0.03));
  });

  it("redacts what the hand list missed: npm and SendGrid tokens, and leaves plain text alone", () => {
    const redactor = createRedactor();
    const npm = "npm_q8fjq73hd8sk2mfnz9dk4ls0xk3mq9cvb2ll";
    const sendgrid = "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";
    for (const text of [`publish with ${npm} now`, `"sendgrid": "${sendgrid}"`, `SENDGRID_API_KEY=${sendgrid}`]) {
      const out = redactor.redact(text).value as string;
      expect(out).not.toContain(npm);
      expect(out).not.toContain(sendgrid);
    }
    const plain = "The flight to Paris leaves at 10:45 from gate 12; the key point is the price.";
    expect(redactor.redact(plain).value).toBe(plain);
  });
});

describe("KeywordAutomaton", () => {
  it("reports every keyword that occurs, case-insensitively, overlapping ones too", () => {
    const ac = new KeywordAutomaton(["he", "she", "his", "hers", "npm_"]);
    expect([...(ac.find("uShErS and NPM_x") ?? [])].sort()).toEqual([0, 1, 3, 4]);
    expect(ac.find("nothing here but ü")).toEqual(new Set([0])); // "he" in "here"
    expect(ac.find("xyz")).toBeUndefined();
  });
});
