/**
 * Credentials written as text, where no vendor prefix gives them away: `password: …` and other
 * secret-named assignments (to the end of the value, so a passphrase goes whole), HTTP Basic and
 * Digest `Authorization` values, and secrets on command lines (`--password=…`, `curl -u user:pass`,
 * `mysql -pSECRET`, `sshpass -p …`). Each runs only on texts holding one of its words.
 */
import type { BuiltinDetector, CheckResult } from "./detector-types.js";
import { isSensitiveName } from "./keys.js";
import { isPlaceholderToken, isPublicValue } from "./public-values.js";
import { shapeEntity } from "./secret-shapes.js";
import { entropy } from "./validators.js";

/** Case-insensitive spelling of a literal, for sources joined into one case-sensitive regex. */
export function caseless(word: string): string {
  return word.replace(/[a-z]/gi, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

const isNameChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 45 /* - */ || c === 46; /* . */

/** Values that stand for a secret without being one: templates, masks, markers. */
const PLACEHOLDER_WORD = /^(?:process\.env\.[A-Za-z_]\w*|os\.environ\b.*|env\(.*|replace[_-]?me|todo|tbd|\*+|x{3,}|\.{3,}|<[^>]*>?|\[[a-z_]+\]?|\{\{[^}]*\}\}|\$\{[^}]*\}|null|nil|none|undefined|true|false|redacted|changeme|required|optional|string)$/i;
/** A value that stands for a secret (a template, a mask, a variable's name, `sk-...`) rather than being one. */
export const isPlaceholderValue = (v: string) => PLACEHOLDER.test(v) || TEMPLATE.test(v);

/** `$API_KEY`, `%TOKEN%`: an environment variable named in place of its value (upper case only: `$NAW9cv` is a password). */
const PLACEHOLDER_VARIABLE = /^(?:\$[A-Z_][A-Z0-9_]*|%[A-Z_][A-Z0-9_]*%)$/;
const TEMPLATE = /^(?:\$\{[^}\n]*\}|\{\{[^}\n]*\}\}|\$\([^)\n]*\)|<[A-Za-z_ -]+>)/;
/** A value cut short to show its shape (`sk-...`, `ghp_…`). */
const ELIDED = /(?:\.\.\.|…)$/;
const PLACEHOLDER = { test: (v: string) => PLACEHOLDER_WORD.test(v) || PLACEHOLDER_VARIABLE.test(v) || ELIDED.test(v) || isPlaceholderToken(v) };

/** Words assignments are found by; the whole name around the word decides (`db_password`, `authToken`). */
const NAME_WORDS = ["pass", "pwd", "secret", "token", "api", "key", "access", "private", "auth", "credential", "cookie", "sig", "sess", "ssn", "taxpayer", "social", "mnemonic", "phrase"];
/** Scheme words an `Authorization` value starts with: the scheme stays readable, the rest goes. */
const AUTH_SCHEME = /^(Bearer|Basic|Digest|Token|Negotiate|NTLM|Bot|AWS4-HMAC-SHA256|OAuth)[ \t]+/i;

// The match stops where the value starts; its extent is read in code (valueEnd), so a candidate
// that is rejected costs the name, never a scan of the rest of the text.
// A quoted name may also be followed by `]` (`os.environ["API_KEY"] = …`) or `,` (`["x-api-key", "…"]`).
// Markdown may wrap the name in emphasis: `**password:** …`.
const NAME_END = String.raw`(?:\\{0,3}["']\]?[ \t]*[:=,]|\]?[ \t]*[:=])(?:\*{1,2}|__)?`;
const ASSIGNMENT = String.raw`(?:${NAME_WORDS.map(caseless).join("|")})[A-Za-z0-9_.\-]{0,40}(?:\*{1,2}|__)?${NAME_END}[ \t]*(?:\\{0,3}["'])?(?=[^\s"',;)}\]\\*])`;
const SEPARATOR = new RegExp(String.raw`(?:\*{1,2}|__)?${NAME_END}[ \t]*(\\{0,3}["'])?$`);
/** How far a rejected candidate's value is read: enough for any "generated-looking" test. */
const PROBE = 64;

/**
 * Where a value starting at `start` ends. Quoted: at the same (possibly escaped) quote. A
 * sensitive name's unquoted value runs to the end of the line (a passphrase has spaces) but stops
 * at what ends a value in a query, a sentence or a list; any other value is one token.
 */
function valueEnd(text: string, start: number, quote: string | undefined, multiword: boolean, limit: number): number {
  const max = Math.min(text.length, limit);
  let i = start;
  if (quote) {
    const q = quote.charCodeAt(quote.length - 1);
    const escaped = quote.length > 1;
    for (; i < max; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || c === 13) break;
      if (c === q && (escaped ? text.charCodeAt(i - 1) === 92 : text.charCodeAt(i - 1) !== 92)) return escaped ? i - (quote.length - 1) : i;
    }
    return i;
  }
  for (; i < max; i++) {
    const c = text.charCodeAt(i);
    // Line ends, quotes, escapes, closing brackets and `<` end any value; `&` ends a query parameter.
    if (c === 10 || c === 13 || c === 34 || c === 39 || c === 96 || c === 92 || c === 41 || c === 93 || c === 125 || c === 60 || c === 38) break;
    if (c === 32 || c === 9) {
      if (!multiword) break;
    } else if (c === 44 || c === 59) {
      // `,` or `;` ends a one-word value, and a longer one where a space follows (the next item).
      if (!multiword) break;
      const next = text.charCodeAt(i + 1);
      if (next === 32 || next === 9 || Number.isNaN(next)) break;
    }
  }
  while (i > start && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  // A sentence's full stop (`token: 151. Next…`) ends the sentence, not the value.
  if (i > start + 1 && text.charCodeAt(i - 1) === 46 && (i === text.length || /\s/.test(text[i]!))) i--;
  return i;
}

/** Whether a `:` or a `=` that is not padding comes within the first token after `start`. */
function assignmentFollows(text: string, start: number): boolean {
  const max = Math.min(text.length, start + PROBE);
  for (let i = start; i < max; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 34 || c === 39 || c === 38 || c === 44 || c === 59) return false;
    if (c === 58) return true;
    if (c === 61) {
      let j = i;
      while (j < max && text.charCodeAt(j) === 61) j++;
      if (j < max && text.charCodeAt(j) > 32 && text.charCodeAt(j) !== 34 && text.charCodeAt(j) !== 39) return true;
      i = j - 1;
    }
  }
  return false;
}

function looksGenerated(value: string): boolean {
  // A URL or a path is an address, not a secret (`api_base: https://…`); credentials inside a URL have their own finder.
  if (value.includes("://") || value[0] === "/" || value.startsWith("./")) return false;
  return value.length >= 12 && entropy(value) >= 3 && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

function checkAssignment(match: string, text: string, index: number): CheckResult {
  let nameStart = index;
  while (nameStart > 0 && index - nameStart < 60 && isNameChar(text.charCodeAt(nameStart - 1))) nameStart--;
  const sep = SEPARATOR.exec(match);
  if (!sep) return false;
  const name = text.slice(nameStart, index) + match.slice(0, sep.index);
  // `auth:` unquoted starts log lines (`WARN auth: password reset link`); `_auth=`, `"auth": …` hold credentials.
  const logPrefix = /^auth$/i.test(name) && !/["'=]/.test(sep[0]);
  const sensitive = !logPrefix && isSensitiveName(name);
  // A password may be a phrase (`password: correct horse battery staple`): after `:` or a spaced
  // `=` (ini files) it runs on to the end of the value. Keys and tokens never hold spaces.
  const phrase = sensitive && /pass|pwd|phrase|mnemonic/i.test(name) && /:|=[ \t]/.test(match.slice(sep.index));
  let start = index + match.length;
  let entity = /pass|pwd|phrase|mnemonic/i.test(name) ? "PASSWORD" : "SECRET";
  // `Authorization: Bearer …`: the scheme stays readable, the credential after it goes.
  const scheme = sensitive ? AUTH_SCHEME.exec(text.slice(start, start + 24)) : null;
  if (scheme) {
    start += scheme[0].length;
    entity = /^bearer/i.test(scheme[1]!) ? "BEARER_TOKEN" : "HTTP_AUTH";
  }
  // Not secret-named (`key=`, `api_base:`): refused at once when another assignment follows
  // (`key=key=…`), since a generated value holds `=` only as its padding.
  if (!sensitive && assignmentFollows(text, start)) return false;
  // A template (`${DB_PASSWORD}`, `{{ secret }}`, `$(cat …)`) or a value cut short (`sk-...`): read
  // before valueEnd, which stops at braces and trims a sentence's full stop.
  const head = text.slice(start, start + 128);
  if (TEMPLATE.test(head) || ELIDED.test(/^[^\s"'`]*/.exec(head)![0])) return false;
  let end = valueEnd(text, start, sep[1], phrase, sensitive ? Infinity : start + PROBE);
  const value = text.slice(start, end);
  // Cheap refusals first for names that are not secret-named: too short, or another assignment
  // (`key=key=…`) rather than a generated value (which has `=` only as padding).
  if (!sensitive && (value.length < 12 || /[=:]/.test(value.replace(/=+$/, "")))) return false;
  const firstWord = value.split(/[ \t]/, 1)[0]!;
  if (value.length === 0 || PLACEHOLDER.test(value) || PLACEHOLDER.test(firstWord)) return false;
  if (isPublicValue(text, start, end)) return false; // `"key": "ssh-rsa AAAA…"`, `digest: sha256:…`
  const shape = shapeEntity(value);
  if (shape) entity = shape;
  // `token: 114`, `tokens=2048`: a count of model tokens, not a token. PINs and passwords may be digits.
  else if (entity === "SECRET" && /^[0-9]{1,8}$/.test(value) && !/pin|cvv|cvc|ssn|code/i.test(name)) return false;
  else if (!sensitive) {
    // Other names with a key word in them (`token_count`, `api_base`): only values that look generated.
    if (!looksGenerated(value)) return false;
    if (end - start >= PROBE) end = valueEnd(text, start, sep[1], false, Infinity);
  }
  return { start: start - index, end: end - index, entity };
}

// HTTP Basic: the base64 of `user:password`. Decoded to be sure it is one, unless it follows an
// Authorization header name, where it is one whatever it decodes to.
const BASIC = String.raw`${caseless("basic")}[ \t]+[A-Za-z0-9+/]{4,}={0,2}(?![A-Za-z0-9+/=])`;
function checkBasic(match: string, text: string, index: number): CheckResult {
  const scheme = /^[A-Za-z]+[ \t]+/.exec(match)![0].length;
  const value = match.slice(scheme);
  const header = /authori[sz]ation["']?\s*[:=,]\s*["']?$/i.test(text.slice(Math.max(0, index - 40), index));
  if (!header) {
    if (value.length % 4 !== 0) return false;
    const decoded = Buffer.from(value, "base64").toString("latin1");
    if (!/^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded)) return false;
  }
  return { start: scheme, entity: "HTTP_AUTH" };
}

// HTTP Digest: `Digest username="…", realm="…", nonce="…", response="…"`, the whole parameter list.
const DIGEST = String.raw`${caseless("digest")}[ \t]+[A-Za-z]+=`;
const DIGEST_PARAM = /[ \t]*([A-Za-z-]+)=(?:\\?"[^"\n]*?\\?"|[^\s,"\\]+)[ \t]*,?/y;
function checkDigest(match: string, text: string, index: number): CheckResult {
  const scheme = /^[A-Za-z]+[ \t]+/.exec(match)![0].length;
  let at = index + scheme;
  let names = "";
  for (let params = 0; params < 32; params++) {
    DIGEST_PARAM.lastIndex = at;
    const m = DIGEST_PARAM.exec(text);
    if (!m) break;
    names += ` ${m[1]!.toLowerCase()}`;
    at = DIGEST_PARAM.lastIndex;
  }
  if (!/ (?:username|response|nonce|cnonce)/.test(names)) return false;
  while (at > index + scheme && /[\s,]/.test(text[at - 1]!)) at--;
  return { start: scheme, end: at - index, entity: "HTTP_AUTH" };
}

const FLAG_VALUE = String.raw`(?:"[^"\n]*"|'[^'\n]*'|[^\s"'\-][^\s"']*)`;
/** The value of a matched flag, without its quotes: where it starts and ends within the match. */
function flagValue(match: string, valueAt: number): { start: number; end: number; value: string } {
  const quoted = match[valueAt] === '"' || match[valueAt] === "'";
  const start = quoted ? valueAt + 1 : valueAt;
  const end = quoted ? match.length - 1 : match.length;
  return { start, end, value: match.slice(start, end) };
}

// `--password=…`, `--db-password …`, `--api-key …`, `--user user:pass`.
const LONG_FLAG = String.raw`--(?:[A-Za-z0-9]+-)*(?:pass(?:word|wd|phrase)?|pwd|token|secret|api-?key|access-key|secret-key|private-key|auth|user|proxy-user)(?:=|[ \t]+)${FLAG_VALUE}`;
function checkLongFlag(match: string, text: string, index: number): CheckResult {
  if (index > 0 && isNameChar(text.charCodeAt(index - 1))) return false;
  const sep = /=|[ \t]+/.exec(match)!;
  const flag = match.slice(0, sep.index);
  const v = flagValue(match, sep.index + sep[0].length);
  if (PLACEHOLDER.test(v.value) || v.value.length === 0) return false;
  if (/user$/.test(flag) && !v.value.includes(":")) return false; // `--user alice` is a name, not a secret
  return { start: v.start, end: v.end, entity: /pass|pwd|user/.test(flag) ? "PASSWORD" : (shapeEntity(v.value) ?? "SECRET") };
}

// `curl -u user:pass`, `-uuser:pass`.
const USER_FLAG = String.raw`-u(?:[ \t]+|(?=[^\s\-]))${FLAG_VALUE}`;
function checkUserFlag(match: string, text: string, index: number): CheckResult {
  if (index > 0 && (isNameChar(text.charCodeAt(index - 1)) || text.charCodeAt(index - 1) === 45)) return false;
  const v = flagValue(match, /^-u[ \t]*/.exec(match)![0].length);
  if (!v.value.includes(":") || PLACEHOLDER.test(v.value)) return false;
  return { start: v.start, end: v.end, entity: "PASSWORD" };
}

// `{"name": "PHPSESSID", "value": "…"}`, `<add key="redisPassword" value="…" />`, and Kubernetes'
// `- name: DJANGO_SECRET_KEY⏎  value: "…"`, written as text.
const NAMED_VALUE = String.raw`(?:name|key|header)\\{0,3}["']?[ \t]*[:=][ \t]*\\{0,3}["']?[A-Za-z0-9_.\-]{1,64}\\{0,3}["']?[ \t]*,?\s{0,40}(?:\\{0,3}["'])?value\\{0,3}["']?[ \t]*[:=][ \t]*(?:\\{0,3}["'])?`;
const NAMED_VALUE_PARTS = /^(?:name|key|header)\\{0,3}["']?[ \t]*[:=][ \t]*\\{0,3}["']?([A-Za-z0-9_.-]{1,64})[\s\S]*?[:=][ \t]*(\\{0,3}["'])?$/;
/** In an explicit name/value pair, a name with a key word in it is enough when the value looks generated. */
const KEYISH_NAME = /key|secret|token|pass|pwd|auth|credential|cookie|sig/i;
function checkNamedValue(match: string, text: string, index: number): CheckResult {
  if (index > 0 && isNameChar(text.charCodeAt(index - 1))) return false;
  const parts = NAMED_VALUE_PARTS.exec(match);
  if (!parts) return false;
  const name = parts[1]!;
  const sensitive = isSensitiveName(name);
  if (!sensitive && !KEYISH_NAME.test(name)) return false;
  const start = index + match.length;
  const end = valueEnd(text, start, parts[2], false, start + PROBE);
  const value = text.slice(start, end);
  if (value.length === 0 || PLACEHOLDER.test(value) || (!sensitive && !looksGenerated(value))) return false;
  return { start: match.length, end: end - index, entity: /pass|pwd/i.test(name) ? "PASSWORD" : "SECRET" };
}

// `aws configure set aws_secret_access_key …`: `set NAME VALUE` on a command line.
const SET_COMMAND = String.raw`\bset[ \t]+[A-Za-z0-9_.\-]{3,64}[ \t]+${FLAG_VALUE}`;
function checkSetCommand(match: string): CheckResult {
  const m = /^set[ \t]+([A-Za-z0-9_.-]+)[ \t]+/.exec(match)!;
  if (!isSensitiveName(m[1]!)) return false;
  const v = flagValue(match, m[0].length);
  return !PLACEHOLDER.test(v.value) && { start: v.start, end: v.end, entity: /pass|pwd/i.test(m[1]!) ? "PASSWORD" : "SECRET" };
}

/** Short flags that take a password, by the command they belong to (the same letter means other things elsewhere). */
const SHORT_FLAG_COMMANDS: Record<string, Array<{ command: RegExp; spaced: boolean; colon?: boolean }>> = {
  // mysql: with a space, mysql prompts and the next word is the database.
  p: [{ command: /\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b/, spaced: false }, { command: /\b(?:sshpass|docker[ \t]+login|az[ \t]+login)\b/, spaced: true }],
  w: [{ command: /\bldap(?:search|modify|add|delete|passwd|compare|whoami)\b/, spaced: true }],
  N: [{ command: /\bssh-keygen\b/, spaced: true }],
  P: [{ command: /\bssh-keygen\b/, spaced: true }],
  a: [{ command: /\bhttps?[ \t]/, spaced: true, colon: true }, { command: /\bredis-cli\b/, spaced: true }], // httpie, redis-cli
};
const SHORT_FLAG = String.raw`-[pwNPa](?:[ \t]+|(?=[^\s\-]))${FLAG_VALUE}`;
function checkShortFlag(match: string, text: string, index: number): CheckResult {
  if (index > 0 && (isNameChar(text.charCodeAt(index - 1)) || text.charCodeAt(index - 1) === 45)) return false;
  const command = text.slice(text.lastIndexOf("\n", index) + 1, index);
  const spaced = /^-.[ \t]/.test(match);
  const rule = SHORT_FLAG_COMMANDS[match[1]!]!.find((r) => r.command.test(command) && (r.spaced || !spaced));
  if (!rule) return false;
  const v = flagValue(match, /^-.[ \t]*/.exec(match)![0].length);
  if (PLACEHOLDER.test(v.value) || (rule.colon && !v.value.includes(":"))) return false;
  return { start: v.start, end: v.end, entity: "PASSWORD" };
}

// Java's keytool and others: `-storepass …`, `-keypass …`, `-password …` with one dash.
const DASH_PASS_FLAG = String.raw`-(?:src|dest|new)?(?:store|key)?pass(?:word|wd|phrase)?[ \t]+${FLAG_VALUE}`;
function checkDashPassFlag(match: string, text: string, index: number): CheckResult {
  if (index > 0 && (isNameChar(text.charCodeAt(index - 1)) || text.charCodeAt(index - 1) === 45)) return false;
  const v = flagValue(match, /^-[a-z]+[ \t]+/.exec(match)![0].length);
  return !PLACEHOLDER.test(v.value) && { start: v.start, end: v.end, entity: "PASSWORD" };
}

// `openssl … -passout pass:SECRET`, `htpasswd -b [-c] FILE USER PASSWORD`: the last word is the password.
const OPENSSL_PASS = String.raw`-pass(?:in|out)?[ \t]+pass:[^\s"'\x60]+`;
const RABBITMQ = String.raw`rabbitmqctl[ \t]+(?:add_user|change_password)[ \t]+[^\s"']+[ \t]+${FLAG_VALUE}`;
const HTPASSWD = String.raw`htpasswd(?:[ \t]+-[A-Za-z]+)*[ \t]+-[A-Za-z]*b[A-Za-z]*(?:[ \t]+-[A-Za-z]+)*[ \t]+[^\s"']+[ \t]+[^\s"']+[ \t]+${FLAG_VALUE}`;
function checkLastWord(match: string): CheckResult {
  const quoted = /(["'])[^"']*\1$/.exec(match);
  if (quoted) return { start: quoted.index + 1, end: match.length - 1, entity: "PASSWORD" };
  const pass = match.lastIndexOf("pass:");
  const at = pass >= 0 ? pass + 5 : Math.max(match.lastIndexOf(" "), match.lastIndexOf("\t")) + 1;
  return { start: at, entity: "PASSWORD" };
}

// In prose: `my password is hunter2`, `the seed phrase is banjo elderberry antler …`.
const SAID_SECRET = String.raw`(?:${["password", "passphrase", "passcode", "pin", "seed phrase", "recovery phrase", "mnemonic", "secret phrase"].map(caseless).join("|")})(?:[ \t]+(?:is|was|=))[ \t]*[:]?[ \t]*["'\x60]?(?=[^\s"'\x60])`;
function checkSaidSecret(match: string, text: string, index: number): CheckResult {
  if (index > 0 && isNameChar(text.charCodeAt(index - 1))) return false;
  const start = index + match.length;
  const quote = /["'\x60]$/.exec(match)?.[0];
  let end: number;
  if (quote) end = valueEnd(text, start, quote, false, start + 1024);
  else {
    // A passphrase runs to the sentence's end (`The password is pelican flamingo gooseberry — don't…`):
    // words (a mnemonic is 12–24 of them), or one token.
    const words = /^(?:[\p{L}]+[ \t]+){1,23}[\p{L}]+(?=[ \t]*(?:[—–.,;:!?)\n]|[ \t]-[ \t]|$))/u.exec(text.slice(start, start + 400));
    end = words ? start + words[0].length : valueEnd(text, start, undefined, false, start + 256);
  }
  const value = text.slice(start, end);
  if (value.length < 3 || PLACEHOLDER.test(value) || /^(?:required|incorrect|wrong|invalid|too|not|the|a|an|set|changed|reset|expired|empty|missing|correct|valid|strong|weak)\b/i.test(value)) return false;
  return { start: match.length, end: end - index, entity: "PASSWORD" };
}

export const CREDENTIAL_DETECTORS: readonly BuiltinDetector[] = [
  { entity: "PASSWORD", keywords: ["password", "passphrase", "passcode", "pin", "seed", "recovery", "mnemonic", "secret"], startsAtKeyword: true, source: SAID_SECRET, check: checkSaidSecret },
  { entity: "SECRET", keywords: NAME_WORDS, startsAtKeyword: true, source: ASSIGNMENT, check: checkAssignment },
  { entity: "HTTP_AUTH", keywords: ["basic"], startsAtKeyword: true, source: BASIC, before: (t, i) => i === 0 || !isNameChar(t.charCodeAt(i - 1)), check: checkBasic },
  { entity: "HTTP_AUTH", keywords: ["digest"], startsAtKeyword: true, source: DIGEST, before: (t, i) => i === 0 || !isNameChar(t.charCodeAt(i - 1)), check: checkDigest },
  { entity: "PASSWORD", keywords: ["--"], startsAtKeyword: true, source: LONG_FLAG, check: checkLongFlag },
  { entity: "PASSWORD", keywords: ["-u"], startsAtKeyword: true, source: USER_FLAG, check: checkUserFlag },
  { entity: "PASSWORD", keywords: ["mysql", "mariadb", "sshpass", "ldap", "ssh-keygen", "http", "docker", "redis-cli", "az"], source: SHORT_FLAG, check: checkShortFlag },
  { entity: "PASSWORD", keywords: ["pass"], source: DASH_PASS_FLAG, check: checkDashPassFlag },
  { entity: "PASSWORD", keywords: ["-pass"], startsAtKeyword: true, source: OPENSSL_PASS, check: checkLastWord },
  { entity: "PASSWORD", keywords: ["htpasswd"], startsAtKeyword: true, source: HTPASSWD, check: checkLastWord },
  { entity: "PASSWORD", keywords: ["rabbitmqctl"], startsAtKeyword: true, source: RABBITMQ, check: checkLastWord },
  { entity: "SECRET", keywords: ["value"], source: NAMED_VALUE, check: checkNamedValue },
  { entity: "SECRET", keywords: ["set"], startsAtKeyword: true, source: SET_COMMAND, check: checkSetCommand },
];

/** Entities these detectors can name besides their own. */
export const CREDENTIAL_ENTITIES = ["PASSWORD", "SECRET", "HTTP_AUTH", "BEARER_TOKEN"];
