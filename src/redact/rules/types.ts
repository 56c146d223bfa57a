/** The shape of the vendored gitleaks rule set (src/redact/rules/gitleaks.ts), already translated to JavaScript regexes. */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

export interface GitleaksAllowlist {
  /** What the regexes are tested against: the secret (default), the whole match, or the line. */
  regexTarget: string;
  regexes: TranslatedRegex[];
  /** Lower-case words: a secret containing one is not a secret (placeholders, examples). */
  stopwords: string[];
  condition: string;
}

export interface GitleaksRule {
  id: string;
  source: string;
  flags: string;
  /** Lower-case keywords: the rule runs only on text containing one of them. */
  keywords: string[];
  /** Minimum Shannon entropy (bits per character) of the secret. */
  entropy?: number;
  /** The capture group holding the secret (default: the first that matched, else the whole match). */
  secretGroup?: number;
  allow?: GitleaksAllowlist[];
}

export interface GitleaksRuleSet {
  source: string;
  license: string;
  version: string;
  commit: string;
  generated_by: string;
  allow: { regexes: TranslatedRegex[]; stopwords: string[] };
  rules: GitleaksRule[];
  /** Rules left out, with why (path-only rules; any that would not translate). */
  skipped: Array<{ id: string; reason: string }>;
}
