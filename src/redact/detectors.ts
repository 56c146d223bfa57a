/**
 * The built-in detectors. Each is a regex source that finds candidates plus, where the format has
 * one, a structural or checksum check that accepts or rejects them. Order is priority: where two
 * could start at the same place, the earlier one wins (a URL's credentials before the e-mail-like
 * `pass@host` inside it, a card before a phone number).
 *
 * Sources avoid numbered groups and backreferences: the scanner joins them into one regex.
 */
import { findProviderSecrets } from "./provider-secrets.js";
import { findEmails, findUrlCredentials, type Found } from "./finders.js";
import {
  digitsOf, entropy, ibanLength, ipv4Valid, ipv6Valid, isPaymentCard, looksLikeDate, ssnValid,
} from "./validators.js";

/** What a check says about a candidate: rejected, or the span (within the match) to redact. */
export type CheckResult = false | { start?: number; end?: number; entity?: string };


export interface BuiltinDetector {
  entity: string;
  /** A regex source, joined with the others into one scan... */
  source?: string;
  /** ...or a linear-time finder for shapes a regex would have to try at every position. */
  find?: (text: string) => Iterable<Found>;
  /** For a finder: a substring the text must contain for it to run (an e-mail needs `@`). */
  anchor?: string;
  /** Rejects a candidate by what precedes it (a word boundary, not inside a longer number). */
  before?: (text: string, index: number) => boolean;
  /** Accepts or rejects a regex candidate; gets the whole text for context around the match. */
  check?: (match: string, text: string, index: number) => CheckResult | boolean;
}

/** Case-insensitive spelling of a literal, for sources joined into one case-sensitive regex. */
function ci(word: string): string {
  return word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

// Boundaries: a regex lookbehind at the head of an alternative runs at every position of every text,
// so boundaries are checked in code on each candidate (`before`) for detectors with literal heads,
// or by a lookbehind placed after the first character (NUMBER_START) so positions are ruled out by it.
const WORD = /[A-Za-z0-9_]/;
const NUMBERISH = /[A-Za-z0-9_+.,-]/;
const IBAN_GROUPS_BEFORE = /[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})* $/;
// Inside a regex, right after a number's first digit: that digit does not continue a longer
// number, code or grouped number (the lookbehind sits after the first character so the engine can
// rule positions out by that character first).
const NUM = "[A-Za-z0-9_+.,-]";
const NUMBER_START = "(?<![A-Za-z0-9_+.,-].)(?<![0-9][ -].|[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})* .)";

/** True when the character before `index` is not in `cls` (start of text counts as a boundary). */
const notAfter = (cls: RegExp) => (text: string, index: number) => index === 0 || !cls.test(text[index - 1]!);
const notAfterWord = notAfter(WORD);
/** Numbers: not the tail of a longer number, code, or grouped number (`1234 5678 …`, IBAN groups). */
function notAfterNumber(text: string, index: number): boolean {
  if (index === 0) return true;
  const prev = text[index - 1]!;
  if (NUMBERISH.test(prev)) return false;
  if ((prev === " " || prev === "-") && index >= 2 && /[0-9]/.test(text[index - 2]!)) return false;
  return !(prev === " " && IBAN_GROUPS_BEFORE.test(text.slice(Math.max(0, index - 40), index)));
}
const E = "(?![A-Za-z0-9_])";
const ED = "(?![0-9]|[.,-][0-9])";

/** Secrets with a recognisable shape, also used to name what a `key=value` assignment holds. */
const SECRET_SHAPES: Array<{ entity: string; source: string }> = [
  { entity: "ANTHROPIC_KEY", source: "sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{20,}" },
  { entity: "OPENAI_KEY", source: "sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9]{20,}" },
  { entity: "AWS_ACCESS_KEY", source: "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}" },
  { entity: "GITHUB_TOKEN", source: "gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255}" },
  { entity: "GITLAB_TOKEN", source: "gl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}" },
  { entity: "SLACK_TOKEN", source: "xox[abposre]-[A-Za-z0-9-]{10,}|xapp-[0-9]-[A-Za-z0-9-]{10,}|https://hooks\\.slack\\.com/services/[A-Za-z0-9/_-]{20,}" },
  { entity: "STRIPE_KEY", source: "(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9]{20,}" },
  { entity: "GOOGLE_API_KEY", source: "AIza[0-9A-Za-z_-]{35}" },
  { entity: "HUGGINGFACE_TOKEN", source: "hf_[A-Za-z0-9]{30,}" },
  { entity: "JWT", source: "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*" },
];
const SECRET_EXACT = SECRET_SHAPES.map((s) => ({ entity: s.entity, re: new RegExp(`^(?:${s.source})`) }));

// `password=hunter2`, `"api_key": "…"`, `token: …` — names whose value is a secret.
const PASSWORD_NAMES = ["password", "passwd", "passphrase", "pwd"].map(ci).join("|");
const KEY_NAMES = ["api[_-]?key", "apikey", "secret(?:[_-]?key)?", "token", "access[_-]?key", "private[_-]?key", "auth", "credentials?"]
  .map(ci)
  .join("|");
// Anchored on the name itself (after a non-letter, or after `_`/`-` as in OPENAI_API_KEY) so the
// scan does not try every word of a text as a possible key name.
// The value is matched up to ASSIGNMENT_VALUE_MAX characters and extended past that only when it is
// accepted: an unbounded match would rescan the rest of the text at every rejected candidate
// ("api_key=api_key=…" took seconds on 64 KB), which blocks the agent's thread.
const ASSIGNMENT_VALUE_MAX = 512;
const ASSIGNMENT = `(?:${PASSWORD_NAMES}|${KEY_NAMES})["']?[ \\t]*[:=][ \\t]*["']?[^\\s"'\`,;)}\\]]{4,${ASSIGNMENT_VALUE_MAX}}`;
const VALUE_REST = /[^\s"'`,;)}\]]*/y;
const VALUE_START = /[:=][ \t]*["']?/;

function checkAssignment(match: string, text: string, index: number): CheckResult {
  // The name starts a word, or follows `_`/`-` (OPENAI_API_KEY); checked here, not in the regex,
  // so the scan only stops where a key name begins.
  const before = index > 0 ? text[index - 1]! : " ";
  if (/[A-Za-z0-9]/.test(before)) return false;
  const sep = VALUE_START.exec(match)!;
  const start = sep.index + sep[0].length;
  const value = match.slice(start);
  const name = match.slice(0, sep.index).toLowerCase();
  if (/^(?:\*+|x+|<[^>]*>?|\[[a-z_]+\]?|null|none|undefined|true|false|redacted)$/i.test(value)) return false;
  const accept = (entity: string): CheckResult => {
    if (value.length < ASSIGNMENT_VALUE_MAX) return { start, entity };
    // A value longer than the pattern's bound: the whole of it goes.
    VALUE_REST.lastIndex = index + match.length;
    VALUE_REST.exec(text);
    return { start, end: VALUE_REST.lastIndex - index, entity };
  };
  for (const s of SECRET_EXACT) if (s.re.test(value)) return accept(s.entity);
  if (/pass|pwd/.test(name)) return accept("PASSWORD");
  // Other key-like names: only values that look generated (long, varied), not `token: 42`.
  if (value.length >= 12 && entropy(value) >= 3 && /[0-9]/.test(value) && /[A-Za-z]/.test(value)) return accept("SECRET");
  return false;
}

function checkPhone(match: string): boolean {
  const digits = digitsOf(match);
  if (match[0] === "+") return digits.length >= 8 && digits.length <= 15;
  if (looksLikeDate(match)) return false;
  if (match[0] === "0") {
    const separated = /[ .()-]/.test(match);
    if (match[1] === "0") return false;
    return separated ? digits.length >= 9 && digits.length <= 12 : digits.length >= 10 && digits.length <= 11;
  }
  // North American: (NXX) NXX-XXXX with an optional leading 1.
  const nanp = digits.length === 11 && digits[0] === "1" ? digits.slice(1) : digits;
  return nanp.length === 10 && nanp[0]! >= "2";
}

/** A card number, or one followed by more digits (`4111 1111 1111 1111 123`, a CVV): cut at a separator. */
function checkCard(match: string): CheckResult | boolean {
  if (isPaymentCard(match)) return true;
  for (let cut = match.length - 1; cut > 12; cut--) {
    if (match[cut] !== " " && match[cut] !== "-") continue;
    if (digitsOf(match.slice(cut)).length > 4) break;
    if (isPaymentCard(match.slice(0, cut))) return { end: cut };
  }
  return false;
}

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = [
  {
    entity: "PRIVATE_KEY",
    source: "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
  },
  {
    entity: "URL_CREDENTIALS",
    anchor: "://",
    find: findUrlCredentials,
  },
  {
    entity: "BEARER_TOKEN",
    before: notAfterWord,
    source: `${ci("bearer")}[ \\t]+[A-Za-z0-9._~+/-]{8,}=*`,
    check: (m) => ({ start: /^[A-Za-z]+[ \t]+/.exec(m)![0].length }),
  },
  // Vendor key formats: one alternative for all of them (one boundary check per position, not
  // ten); the check names which format matched.
  {
    entity: "SECRET",
    before: notAfterWord,
    source: `(?:${SECRET_SHAPES.map((s) => s.source).join("|")})${E}`,
    check: (m) => ({ entity: SECRET_EXACT.find((s) => s.re.test(m))?.entity ?? "SECRET" }),
  },
  { entity: "SECRET", source: ASSIGNMENT, check: checkAssignment },
  // gitleaks' maintained provider rules (provider-secrets.ts): a keyword prefilter, then the rules it picks.
  { entity: "SECRET", find: findProviderSecrets },
  {
    entity: "EMAIL",
    anchor: "@",
    find: findEmails,
  },
  {
    entity: "IBAN",
    before: notAfterWord,
    source: `[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}`,
    check: (m) => {
      const n = ibanLength(m);
      return n > 0 && { end: n };
    },
  },
  { entity: "CREDIT_CARD", source: `[0-9]${NUMBER_START}(?:[ -]?[0-9]){11,18}${ED}`, check: checkCard },
  { entity: "US_SSN", source: `[0-9]${NUMBER_START}[0-9]{2}(?:-[0-9]{2}-| [0-9]{2} )[0-9]{4}${ED}`, check: ssnValid },
  {
    entity: "MAC_ADDRESS",
    source: `[0-9A-Fa-f](?<![A-Za-z0-9_:.-].)(?:[0-9A-Fa-f](?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f](?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{3}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4})(?![A-Za-z0-9_:-])`,
  },
  { entity: "IP_ADDRESS", source: `[0-9](?<![A-Za-z0-9_.].)[0-9]{0,2}\\.(?:[0-9]{1,3}\\.){2}[0-9]{1,3}(?![0-9]|\\.[0-9])`, check: ipv4Valid },
  {
    entity: "IP_ADDRESS",
    // A colon within the first five characters: hex words ("cafe", "4bf7") fail at once.
    source: `[0-9A-Fa-f:](?<![A-Za-z0-9_:.].)[0-9A-Fa-f]{0,3}:[0-9A-Fa-f:]{1,37}(?:(?<=:)(?:[0-9]{1,3}\\.){3}[0-9]{1,3})?(?![A-Za-z0-9_:.])`,
    check: ipv6Valid,
  },
  {
    entity: "PHONE",
    source: [
      `\\+[1-9][0-9]{0,2}(?:[ .-]?(?:\\([0-9]{1,4}\\)|[0-9]{1,5})){2,6}`,
      `(?:1(?<!${NUM}.)[ .-](?:\\([2-9][0-9]{2}\\)[ .-]?|[2-9][0-9]{2}[ .-])|\\((?<!${NUM}.)[2-9][0-9]{2}\\)[ .-]?|[2-9](?<!${NUM}.)[0-9]{2}[ .-])[0-9]{3}[ .-][0-9]{4}`,
      `0(?<!${NUM}.)[1-9][0-9]{0,3}(?:[ .-]?(?:\\([0-9]{1,4}\\)|[0-9]{2,4})){1,5}`,
    ].map((s) => `(?:${s})${ED}`).join("|"),
    // `+44 …` only needs a word boundary; national numbers must not be the tail of a longer number.
    before: (text, index) => (text[index] === "+" ? notAfter(/[A-Za-z0-9_+]/)(text, index) : notAfterNumber(text, index)),
    check: checkPhone,
  },
];

/** Every built-in entity name, for options validation and documentation. */
export const BUILTIN_ENTITIES: readonly string[] = [
  ...new Set([...BUILTIN_DETECTORS.map((d) => d.entity), ...SECRET_SHAPES.map((s) => s.entity), "PASSWORD"]),
];
