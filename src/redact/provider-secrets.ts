/**
 * Provider secrets found the way gitleaks finds them, with its maintained rules (rules/gitleaks.ts):
 * one pass of a combined keyword regex over the text picks the rules whose keywords occur (most
 * text has none, and then nothing else runs), each picked rule's regex runs over the text, the
 * secret is its capture group, and it must reach the rule's entropy and pass the allowlists (the
 * rule's and the global one: placeholders like `${VAR}`, stopwords like "example").
 */
import { GITLEAKS } from "./rules/gitleaks.js";
import type { GitleaksAllowlist, GitleaksRule } from "./rules/types.js";
import { KeywordAutomaton } from "./keyword-automaton.js";
import { isPublicValue } from "./public-values.js";

interface Compiled {
  rule: GitleaksRule;
  re: RegExp;
  allow: Array<{ target: string; regexes: RegExp[]; stopwords: KeywordAutomaton | undefined; and: boolean }>;
}

let compiled: { rules: Compiled[]; byKeyword: Compiled[][]; byWord: Map<string, Compiled[]>; keywords: KeywordAutomaton; globalAllow: RegExp[]; stopwords: KeywordAutomaton } | undefined;

/** Compiled on first use: 221 regexes cost a few milliseconds, which a trail without text never pays. */
function rules() {
  if (compiled) return compiled;
  const list: Compiled[] = GITLEAKS.rules.map((rule) => ({
    rule,
    // g: every occurrence. (Not d: match indices slow every match down; the secret group is found
    // inside the match instead, and where it occurs twice, either occurrence is the same text.)
    re: new RegExp(rule.source, `${rule.flags}g`),
    allow: (rule.allow ?? []).map((a: GitleaksAllowlist) => ({ target: a.regexTarget, regexes: a.regexes.map((r) => new RegExp(r.source, r.flags)), stopwords: a.stopwords.length ? new KeywordAutomaton(a.stopwords.filter((w) => /^[\x00-\x7f]+$/.test(w))) : undefined, and: a.condition === "AND" })),
  }));
  const index = new Map<string, Compiled[]>();
  for (const c of list) for (const k of c.rule.keywords) index.set(k.toLowerCase(), [...(index.get(k.toLowerCase()) ?? []), c]);
  const keys = [...index.keys()];
  compiled = {
    rules: list,
    byKeyword: keys.map((k) => index.get(k)!),
    byWord: index,
    keywords: new KeywordAutomaton(keys),
    globalAllow: GITLEAKS.allow.regexes.map((r) => new RegExp(r.source, r.flags)),
    // ~1,400 words ("example", "sample"…): one automaton pass per candidate, not 1,400 searches.
    stopwords: new KeywordAutomaton(GITLEAKS.allow.stopwords.filter((w) => /^[\x00-\x7f]+$/.test(w))),
  };
  return compiled;
}

/** Shannon entropy in bits per character, as gitleaks computes it (over bytes of ASCII text). */
const counts = new Uint32Array(128);
export function shannonEntropy(s: string): number {
  if (!/^[\x00-\x7f]*$/.test(s)) return entropyOfAny(s);
  counts.fill(0);
  for (let i = 0; i < s.length; i++) counts[s.charCodeAt(i)]!++;
  let h = 0;
  for (let c = 0; c < 128; c++) {
    const n = counts[c]!;
    if (n === 0) continue;
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function entropyOfAny(s: string): number {
  const seen = new Map<string, number>();
  for (const ch of s) seen.set(ch, (seen.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const k of seen.values()) h -= (k / n) * Math.log2(k / n);
  return h;
}

export interface ProviderSecret {
  start: number;
  end: number;
  rule: string;
}

/** Every keyword of gitleaks' rules, lower case: the scanner's prefilter looks for them with its own. */
export const PROVIDER_KEYWORDS: readonly string[] = [...new Set(GITLEAKS.rules.flatMap((r) => r.keywords.map((k) => k.toLowerCase())))];

/**
 * Every provider secret in `text`, by gitleaks' rules. `present` is the set of keywords the text
 * holds when the caller has already looked (the scanner has); otherwise this looks itself.
 */
export function findProviderSecrets(text: string, present?: ReadonlySet<string>): ProviderSecret[] {
  const r = rules();
  // Any keyword anywhere picks its rules (a keyword can sit far from the secret: "heroku" … "key: …").
  const picked = new Set<Compiled>();
  if (present) {
    for (const k of present) for (const c of r.byWord.get(k) ?? []) picked.add(c);
  } else {
    const found = r.keywords.find(text);
    if (found) for (const k of found) for (const c of r.byKeyword[k]!) picked.add(c);
  }
  if (picked.size === 0) return [];
  const out: ProviderSecret[] = [];
  for (const c of picked) {
    c.re.lastIndex = 0;
    for (let m = c.re.exec(text); m; m = c.re.exec(text)) {
      if (m[0].length === 0) {
        c.re.lastIndex++;
        continue;
      }
      const group = c.rule.secretGroup ?? firstGroup(m);
      const secret = m[group] ?? m[0];
      const start = m.index + Math.max(0, m[0].indexOf(secret));
      const span = [start, start + secret.length] as const;
      if (c.rule.entropy !== undefined && shannonEntropy(secret) < c.rule.entropy) continue;
      if (allowed(secret, m[0], text, c, r) || isPublicValue(text, span[0], span[1])) continue;
      out.push({ start: span[0], end: span[1], rule: c.rule.id });
    }
  }
  return out;
}

function firstGroup(m: RegExpExecArray): number {
  for (let i = 1; i < m.length; i++) if (m[i] !== undefined && m[i] !== "") return i;
  return 0;
}

function allowed(secret: string, match: string, text: string, c: Compiled, r: NonNullable<typeof compiled>): boolean {
  if (r.globalAllow.some((re) => re.test(secret))) return true;
  if (r.stopwords.find(secret)) return true;
  for (const a of c.allow) {
    const target = a.target === "match" ? match : a.target === "line" ? lineAround(text, match) : secret;
    const byRegex = a.regexes.length > 0 && a.regexes.some((re) => re.test(target));
    // generic-api-key alone has ~1,400 stopwords: one automaton pass, not 1,400 searches.
    const byWord = a.stopwords !== undefined && a.stopwords.find(secret) !== undefined;
    if (a.and ? (a.regexes.length === 0 || byRegex) && (a.stopwords === undefined || byWord) : byRegex || byWord) return true;
  }
  return false;
}

function lineAround(text: string, match: string): string {
  const at = text.indexOf(match);
  const start = text.lastIndexOf("\n", at) + 1;
  const end = text.indexOf("\n", at + match.length);
  return text.slice(start, end === -1 ? text.length : end);
}
