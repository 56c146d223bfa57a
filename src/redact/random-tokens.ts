/**
 * Secrets with no prefix or name anyone knows: a run of 20–256 token characters that reads as
 * random (several character classes, switching between them as random text does, high entropy).
 * Providers keep inventing formats (`NRAK-…`, `ATATT…`, 88-character storage keys); what they
 * share is that they are random, which words, identifiers, paths and numbers are not.
 *
 * Left alone, because they are random but public or needed to follow the trail: hex (hashes,
 * UUIDs, trace ids), SSH public keys, hashes under their algorithm's label (`sha256:…`, `h1:…`),
 * the ids of model APIs (`call_…`, `msg_…`, `chatcmpl-…`, `toolu_…`, Bedrock's `tooluse_…`), and base64 of plain text
 * (the structure pass looks inside that).
 */
import type { Found } from "./detector-types.js";
import type { TextFeatures } from "./text-features.js";
import { shannonEntropy } from "./provider-secrets.js";
import { isLabelledPublic } from "./public-values.js";
import { decodesToText } from "./structure.js";

const MIN = 20;
const MAX = 256;
const TOKEN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.") TOKEN[c.charCodeAt(0)] = 1;

/** Ids model APIs and payment APIs give their objects: random, but an audit trail must keep them. */
const ID_PREFIX = /^(?:call|asst|msg|run|thread|file|resp|fc|toolu|chatcmpl|req|evt|cus|sub|pi|ch|in|prod|price|org|proj|user|sess|step|batch|ft|ftjob|vs|ws|span|trace|job|ses|acct|txn|ord|inv|cs|src|tok|seti|pm|py|re|si|fs|lsr|run_step|srvtoolu|tooluse|ls|tr|rs)[_-]/i;

/** An id with a UUID in it (`lc_run--bb41ed19-…`) is an id. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** Upper case and digits shaped like an IBAN: the IBAN detector decides by its checksum. */
const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$/;

/** Hex segments with short tags (`0d85a4fecd4231a7-FRA`, a Cloudflare ray id): ids, not keys. */
function hexIds(token: string): boolean {
  const long = token.split(/[-_.]/).filter((p) => p.length >= 8);
  return long.length > 0 && long.every((p) => /^[0-9a-f]+$/i.test(p)) && !HEX_SECRET.test(token);
}
/** Hex formats that are keys: Mailgun's `hex32-hex8-hex8`, New Relic's `hex36NRAL`. */
const HEX_SECRET = /^(?:[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}|[0-9a-f]{36}NRAL)$/;

const isDigit = (c: number) => c >= 48 && c <= 57;
const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;

/** `runs`: the token runs the scanner's pass found (text-features.ts); without them, the whole text. */
export function findRandomTokens(text: string, _present?: unknown, features?: TextFeatures): Found[] {
  const out: Found[] = [];
  const runs = features?.runs ?? [0, text.length];
  for (let r = 0; r < runs.length; r += 2) findIn(text, runs[r]!, runs[r + 1]!, out);
  return out;
}

function findIn(text: string, from: number, to: number, out: Found[]): void {
  let run = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 0;
    // `=` is padding at a token's end, or ends a name (`trace_id=…`) and starts another run.
    const padding = c === 61 && (i + 1 >= text.length || text.charCodeAt(i + 1) === 61 || !(text.charCodeAt(i + 1) < 128 && TOKEN[text.charCodeAt(i + 1)] === 1));
    if (c < 128 && TOKEN[c] === 1 && (c !== 61 || padding)) {
      run++;
      continue;
    }
    if (run >= MIN) {
      let start = i - run;
      let end = i;
      // Punctuation at the edges belongs to the sentence: `…token.`, `-flag`, `/path`.
      while (start < end && !isAlnumCode(text.charCodeAt(start))) start++;
      while (end > start && text.charCodeAt(end - 1) !== 61 && !isAlnumCode(text.charCodeAt(end - 1))) end--;
      if (end - start >= MIN && end - start <= MAX && (HEX_SECRET.test(text.slice(start, end)) || looksRandom(text, start, end))) out.push({ start, end, entity: "SECRET" });
    }
    run = 0;
  }
}

const isAlnumCode = (c: number) => isDigit(c) || isUpper(c) || isLower(c);

function looksRandom(text: string, start: number, end: number): boolean {
  let digits = 0;
  let upper = 0;
  let lower = 0;
  let switches = 0;
  let alnum = 0;
  let last = 0; // 1 digit, 2 upper, 3 lower
  let hexOnly = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const cls = isDigit(c) ? 1 : isUpper(c) ? 2 : isLower(c) ? 3 : 0;
    if (cls === 0) continue;
    alnum++;
    if (cls === 1) digits++;
    else if (cls === 2) upper++;
    else lower++;
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) hexOnly = false;
    if (last !== 0 && cls !== last) switches++;
    last = cls;
  }
  // Random base62 switches class at ~60% of characters, camelCase words at ~15%.
  if (hexOnly || hexIds(text.slice(start, end)) || digits < 2 || digits === alnum || alnum < MIN - 2 || switches / alnum < 0.3) return false;
  if (upper === 0 && lower === 0) return false;
  const token = text.slice(start, end);
  // Cheapest first. (A token that switches classes this often is not a mask of one character.)
  if (ID_PREFIX.test(token) || UUID.test(token) || IBAN_SHAPE.test(token) || shannonEntropy(token) < 4) return false;
  return !isLabelledPublic(text, start, end) && !decodesToText(token);
}
