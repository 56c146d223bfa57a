/**
 * The built-in detectors. Each is a regex source that finds candidates plus, where the format has
 * one, a structural or checksum check that accepts or rejects them. Order is priority: where two
 * could start at the same place, the earlier one wins (a URL's credentials before the e-mail-like
 * `pass@host` inside it, a card before a phone number).
 *
 * Sources avoid numbered groups and backreferences: the scanner joins them into one regex.
 */
import { caseless, CREDENTIAL_DETECTORS, CREDENTIAL_ENTITIES, isPlaceholderValue } from "./credentials.js";
import type { BuiltinDetector, CheckResult } from "./detector-types.js";
import { findEmails, findMacOrIpv6, findUrlCredentials } from "./finders.js";
import { findProviderSecrets, PROVIDER_KEYWORDS } from "./provider-secrets.js";
import { isPlaceholderToken } from "./public-values.js";
import { findRandomTokens } from "./random-tokens.js";
import { SECRET_SHAPE_WORDS, SECRET_SHAPES, shapeEntity, TELEGRAM_BOT_TOKEN } from "./secret-shapes.js";
import { AT, COLON, DASH, DOT, NON_ASCII } from "./text-features.js";
import { digitsOf, ibanLength, ipv4Valid, isPaymentCard, looksLikeDate, ssnValid } from "./validators.js";

export type { BuiltinDetector, CheckResult } from "./detector-types.js";

// Boundaries: a regex lookbehind at the head of an alternative runs at every position of every text,
// so boundaries are checked in code on each candidate (`before`) for detectors with literal heads,
// or by a lookbehind placed after the first character (NUMBER_START) so positions are ruled out by it.
const WORD = /[A-Za-z0-9_]/;
const NUMBERISH = /[A-Za-z0-9_+.,-]/;
const IBAN_GROUPS_BEFORE = /[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})* $/;
// Inside a regex, right after a number's first digit: that digit does not continue a longer
// number, code or grouped number (the lookbehind sits after the first character so the engine can
// rule positions out by that character first).
// A digit before a `.` or `,` makes it a decimal or thousands mark; after a word (`Costa,506…`, CSV) it is punctuation.
const NOT_AFTER_NUMBER = "(?<![A-Za-z0-9_+-].|[0-9][.,].)";
/** Spaces that group digits: ASCII, no-break, figure, thin, narrow no-break. */
const SPACES = " \u00a0\u2007\u2009\u202f";
const NUMBER_START = "(?<![A-Za-z0-9_+.,-].)(?<![0-9][ \\u00a0\\u2007\\u2009\\u202f-].|[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})* .)";
// Cards and SSNs also stand glued to a name (`card_4111…`, `ssn-123-45-6789`, `cc4111…`); the
// name is checked in code (gluedToName), so the regex only rules out the tails of longer numbers.
const GLUED_NUMBER_START = "(?<![0-9+].)(?<![0-9][.].)(?<![0-9][ \\u00a0\\u2007\\u2009\\u202f-].|[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4})* .)";
// Separators inside a number as people and word processors write them: spaces (no-break, thin,
// narrow no-break, figure), dots, hyphens and the unicode hyphens.
const SEP = "[ .\\-\\u00a0\\u2007\\u2009\\u202f\\u2010\\u2011]";

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/**
 * A number glued to what precedes it stands alone when that is a name of letters (`card_`, `cc-`,
 * `ssn`), not when it is the middle of a token with digits in it (a hex hash, a base64 key).
 */
function gluedToName(text: string, index: number): boolean {
  const glue = text.charCodeAt(index - 1);
  if (index === 0 || !(glue === 95 || glue === 45 || isLetter(glue))) return true;
  // Letters right against the digits (`AT61 1904…`) are an IBAN's country or a code, not a name,
  // unless they are the label of what follows (`card4111…`, `ssn123-45-6789`).
  if (glue !== 95 && glue !== 45) return NUMBER_LABEL.test(text.slice(Math.max(0, index - 12), index));
  let i = index - 1;
  let letters = 0;
  while (i > 0 && isLetter(text.charCodeAt(i - 1)) && letters < 24) {
    i--;
    letters++;
  }
  // `card_`, `cc-`: a name. `-` after no letters is a minus or a range, which the regex has ruled on.
  if (letters === 0) return glue === 45;
  return i === 0 || !(isDigit(text.charCodeAt(i - 1)) || isLetter(text.charCodeAt(i - 1)));
}
/** A card's label just before it (`Card: 6759…`, `"card_number": "…`, a `card` CSV column's header). */
const CARD_LABEL_BEFORE = /(?:card|cc|pan|visa|mastercard|maestro|amex)[\w ]{0,12}["']?\s*[:=#,]?\s*["']?$/i;
/** An id's label (`trace_id=`, `order #`, `span:`): the long number after it is that id. */
const ID_LABEL_BEFORE = /(?:id|trace|span|order|ref|request|req|txn|invoice|ray|seq|ts)[\s"':=#/-]{0,3}$/i;
/** Labels a card or SSN is written glued to. */
const NUMBER_LABEL = /(?:^|[^A-Za-z])(?:card|cc|ccnum|pan|visa|amex|mastercard|ssn|tin|taxid)$/i;

/** ...and is not followed by more of a token (`…6789a`, `…4111aa20…`): then it is part of a code. */
function notGluedAfter(text: string, end: number): boolean {
  return end >= text.length || !(isLetter(text.charCodeAt(end)) || isDigit(text.charCodeAt(end)));
}

/** True when the character before `index` is not in `cls` (start of text counts as a boundary). */
const notAfter = (cls: RegExp) => (text: string, index: number) => index === 0 || !cls.test(text[index - 1]!);
const notAfterWord = notAfter(WORD);
/** Numbers: not the tail of a longer number, code, or grouped number (`1234 5678 …`, IBAN groups). */
function notAfterNumber(text: string, index: number): boolean {
  if (index === 0) return true;
  const prev = text[index - 1]!;
  if ((prev === "," || prev === ".") && !(index >= 2 && /[0-9]/.test(text[index - 2]!))) return true;
  if (NUMBERISH.test(prev)) return false;
  if ((prev === "-" || SPACES.includes(prev)) && index >= 2 && /[0-9]/.test(text[index - 2]!)) return false;
  return !(prev === " " && IBAN_GROUPS_BEFORE.test(text.slice(Math.max(0, index - 40), index)));
}
const E = "(?![A-Za-z0-9_])";
const ED = "(?![0-9]|[.,-][0-9])";
// After a card: a comma and one or two digits is a decimal, a comma and more is the next CSV field.
const CARD_END = "(?![0-9]|[.-][0-9]|,[0-9]{1,2}(?![0-9.,]))";

function checkPhone(match: string): boolean {
  const digits = digitsOf(match);
  if (match[0] === "+") return digits.length >= 8 && digits.length <= 15;
  // Shaped like an SSN (`064-00-7757`): the SSN detector has ruled on it.
  if (looksLikeDate(match) || /^[0-9]{3}([^0-9])[0-9]{2}\1[0-9]{4}$/.test(match)) return false;
  if (match[0] === "0") {
    const separated = /[^0-9]/.test(match.slice(1));
    // `00` is the international prefix (`0034 935 04 11 41`): a country code and a number follow.
    if (match[1] === "0") return separated && match[2] !== "0" && digits.length >= 10 && digits.length <= 17;
    return separated ? digits.length >= 9 && digits.length <= 12 : digits.length >= 10 && digits.length <= 11;
  }
  // North American: (NXX) NXX-XXXX with an optional leading 1.
  const nanp = digits.length === 11 && digits[0] === "1" ? digits.slice(1) : digits;
  return nanp.length === 10 && nanp[0]! >= "2";
}

/** A card number, or one followed by more digits (`4111 1111 1111 1111 123`, a CVV): cut at a separator. */
function checkCard(match: string, text: string, index: number): CheckResult | boolean {
  // 17–19 digits written together are ids (traces, orders); such cards are printed in groups, or labeled.
  // Digits written together after an id's label are that id (`trace_id=…`, `/Order/…`); 17–19 of
  // them are an id anywhere but glued into a token or labeled as a card, since cards that long are
  // printed in groups.
  if (/^[0-9]+$/.test(match)) {
    const before = text.slice(Math.max(0, index - 24), index);
    if (!CARD_LABEL_BEFORE.test(before) && (ID_LABEL_BEFORE.test(before) || (match.length >= 17 && !/[_\-?=/&#:]$/.test(before)))) return false;
  }
  if (isPaymentCard(match)) return true;
  // A card and then its CVV (`4111 1111 1111 1111 123`): cut at the last space. Dash groups run on
  // (`6759-8659-5189-8168-525` is one 19-digit number, and not a valid one).
  for (let cut = match.length - 1; cut > 12; cut--) {
    if (isDigit(match.charCodeAt(cut))) continue;
    if (match[cut] === "-") break;
    if (digitsOf(match.slice(cut)).length > 4) break;
    if (isPaymentCard(match.slice(0, cut))) return { end: cut };
  }
  return false;
}

// A number under a phone label is a phone number in any national format (`☎ 914 10 05 47`,
// `Mobile: (02) 4021 4685`, `reach me on 911‑17‑01‑37`): without a country, only the label tells.
const PHONE_LABEL = String.raw`(?:${["phone", "telephone", "tel", "mobile", "cell", "fax", "whatsapp", "call me", "reach me", "text me", "appelez-moi", "llámame", "ruf mich", "chiamami", "sms", "otp sent to", "handy", "telefon", "móvil", "portable", "my number", "number changed to"].map(caseless).join("|")}|☎|📞)`;
const LABELED_PHONE = String.raw`${PHONE_LABEL}[^0-9+(\n]{0,24}[+(]?[0-9][0-9 ().\-/\u00a0\u2007\u2009\u202f\u2010\u2011]{5,22}[0-9]`;
function checkLabeledPhone(match: string, text: string, index: number): CheckResult {
  if (index > 0 && /[A-Za-z]/.test(text[index - 1]!)) return false; // `hotel`, `cancel`
  const at = match.search(/[+(]?[0-9]/);
  const number = match.slice(at);
  const digits = number.replace(/[^0-9]/g, "").length;
  // Unseparated, a long run is more often an id or a card than a phone; and a phone ends its token.
  if (/^[0-9]+$/.test(number) ? digits > 12 : false) return false;
  if (/[A-Za-z0-9]/.test(text[index + match.length] ?? "")) return false;
  if (digits < 7 || digits > 15 || /^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(number) || /^[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}$/.test(number)) return false;
  return { start: at, entity: "PHONE" };
}

export const BUILTIN_DETECTORS: readonly BuiltinDetector[] = [
  {
    entity: "PRIVATE_KEY",
    source: "-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)",
  },
  {
    entity: "URL_CREDENTIALS",
    needs: COLON,
    anchor: "://",
    find: findUrlCredentials,
  },
  {
    entity: "BEARER_TOKEN",
    keywords: ["bearer"],
    startsAtKeyword: true,
    before: notAfterWord,
    source: `${caseless("bearer")}[ \\t]+[A-Za-z0-9._~+/-]{8,}=*`,
    check: (m) => {
      const start = /^[A-Za-z]+[ \t]+/.exec(m)![0].length;
      return !isPlaceholderToken(m.slice(start)) && !isPlaceholderValue(m.slice(start)) && !/^(?:os\.environ|process\.env)\b/.test(m.slice(start)) && { start };
    },
  },
  // Vendor key formats: one alternative for all of them (one boundary check per position, not
  // ten); the check names which format matched.
  {
    entity: "SECRET",
    keywords: SECRET_SHAPE_WORDS,
    startsAtKeyword: true,
    before: notAfterWord,
    // The lookbehind makes each attempt start a token: inside a long run of token characters
    // (`eyJeyJeyJ…`), an attempt at every position would rescan the run each time.
    source: `(?<![A-Za-z0-9_-])(?:${SECRET_SHAPES.map((s) => s.source).join("|")})${E}`,
    check: (m) => !isPlaceholderToken(m) && { entity: shapeEntity(m) ?? "SECRET" },
  },
  { entity: "SECRET", keywords: [":aa"], before: notAfterWord, source: `${TELEGRAM_BOT_TOKEN}${E}` },
  ...CREDENTIAL_DETECTORS,
  // gitleaks' maintained provider rules (provider-secrets.ts): the rules whose keywords the text holds.
  { entity: "SECRET", keywords: PROVIDER_KEYWORDS, find: (text, present) => findProviderSecrets(text, present) },
  // Tokens with no known prefix that read as random (random-tokens.ts).
  { entity: "SECRET", needsRun: 20, find: findRandomTokens },
  // From each `@` or `%40` (finders.ts).
  { entity: "EMAIL", needs: AT, find: findEmails },
  {
    entity: "IBAN",
    before: notAfterWord,
    source: `[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}`,
    check: (m) => {
      const n = ibanLength(m);
      return n > 0 && { end: n };
    },
  },
  {
    entity: "CREDIT_CARD",
    source: `[0-9]${GLUED_NUMBER_START}(?:${SEP}?[0-9]){11,18}${CARD_END}`,
    before: gluedToName,
    check: (m, text, at) => {
      const r = checkCard(m, text, at);
      return r !== false && notGluedAfter(text, at + (r === true ? m.length : (r.end ?? m.length))) && r;
    },
  },
  // Nine digits with no separators are an SSN only under its label (`ssn-765463540`, `SSN#…`).
  {
    entity: "US_SSN",
    keywords: ["ssn"],
    startsAtKeyword: true,
    source: "[sS][sS][nN][-_:=#]?[0-9]{9}(?![0-9])",
    before: (t, i) => i === 0 || !/[A-Za-z]/.test(t[i - 1]!),
    check: (m) => ssnValid(m.slice(m.length - 9)) && { start: m.length - 9 },
  },
  {
    entity: "US_SSN",
    source: `[0-9]${GLUED_NUMBER_START}[0-9]{2}(?:-[0-9]{2}-|${SEP}[0-9]{2}${SEP})[0-9]{4}${ED}`,
    before: gluedToName,
    check: (m, text, at) => ssnValid(m) && /^[0-9]{3}([^0-9])[0-9]{2}\1[0-9]{4}$/.test(m) && notGluedAfter(text, at + m.length),
  },
  { entity: "IP_ADDRESS", source: `[0-9](?<![A-Za-z0-9_.].)[0-9]{0,2}\\.(?:[0-9]{1,3}\\.){2}[0-9]{1,3}(?![0-9]|\\.[0-9])`, check: ipv4Valid },
  // MAC and IPv6 addresses, found from their separators (finders.ts).
  { entity: "IP_ADDRESS", needs: COLON | DASH | DOT, find: findMacOrIpv6 },
  {
    entity: "PHONE",
    source: [
      `\\+[1-9][0-9]{0,2}(?:${SEP}?(?:\\([0-9]{1,4}\\)|[0-9]{1,5})){2,6}`,
      `(?:1${NOT_AFTER_NUMBER}${SEP}(?:\\([2-9][0-9]{2}\\)${SEP}?|[2-9][0-9]{2}${SEP})|\\(${NOT_AFTER_NUMBER}[2-9][0-9]{2}\\)${SEP}?|[2-9]${NOT_AFTER_NUMBER}[0-9]{2}${SEP})[0-9]{3}${SEP}[0-9]{4}`,
      `0${NOT_AFTER_NUMBER}(?:0[1-9][0-9]{0,2}|[1-9][0-9]{0,3})(?:${SEP}?(?:\\([0-9]{1,4}\\)|[0-9]{2,4})){1,5}`,
    ].map((s) => `(?:${s})${ED}(?![A-Za-z_])`).join("|"),
    // `+44 …` only needs a word boundary; national numbers must not be the tail of a longer number.
    before: (text, index) => (text[index] === "+" ? notAfter(/[A-Za-z0-9_+]/)(text, index) : notAfterNumber(text, index)),
    check: checkPhone,
  },
  {
    entity: "PHONE",
    // The alternatives' first words; `llámame`, `móvil` are not ASCII and so not keywords: the
    // scan for this detector stays a whole-text one.
    keywords: ["phone", "tel", "mobile", "cell", "fax", "whatsapp", "call me", "reach me", "text me", "appelez", "ruf mich", "chiamami", "sms", "otp sent", "handy", "portable", "my number", "number changed", "mame", "vil"],
    source: LABELED_PHONE,
    check: checkLabeledPhone,
  },
  // `<a href="tel:+48225381672">22 538 16 72</a>`: the link's text is the number the link dials.
  {
    entity: "PHONE",
    keywords: ["tel:"],
    source: String.raw`[hH][rR][eE][fF]=\\?["']tel:[^"'\\]{3,30}\\?["'][^>]{0,80}>[^<]{5,30}</`,
    check: (m) => ({ start: m.indexOf(">") + 1, end: m.length - 2 }),
  },
  { entity: "PHONE", needs: NON_ASCII, anchor: "\u260e", find: (text) => findLabeled(text, "\u260e") },
  { entity: "PHONE", needs: NON_ASCII, anchor: "\u{1f4de}", find: (text) => findLabeled(text, "\u{1f4de}") },
];

/** The phone label signs (☎, 📞) are not ASCII, so no keyword can gate them: they are anchors. */
const LABELED_PHONE_RE = new RegExp(LABELED_PHONE, "gu");
function findLabeled(text: string, sign: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  LABELED_PHONE_RE.lastIndex = Math.max(0, text.indexOf(sign));
  for (let m = LABELED_PHONE_RE.exec(text); m; m = LABELED_PHONE_RE.exec(text)) {
    const r = checkLabeledPhone(m[0], text, m.index);
    if (r) out.push({ start: m.index + (r.start ?? 0), end: m.index + m[0].length });
  }
  return out;
}

/** Every built-in entity name, for options validation and documentation. */
export const BUILTIN_ENTITIES: readonly string[] = [
  ...new Set([...BUILTIN_DETECTORS.map((d) => d.entity), ...SECRET_SHAPES.map((s) => s.entity), ...CREDENTIAL_ENTITIES, "MAC_ADDRESS"]),
];
