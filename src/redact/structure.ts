/**
 * Structure hidden inside strings, for the redactor to look into: JSON that is itself a string
 * (a tool's result, a message's content), URL query strings and form bodies, and base64 blobs that
 * decode to text. Each helper only decodes; the redactor applies every detector to what comes out,
 * recursively, up to its depth limit.
 */

/**
 * A string that is a JSON object or array as a whole (not a sentence that mentions `{}`), or a
 * JSON string literal holding one (JSON encoded twice, as `JSON.stringify` of a JSON text gives).
 */
export function parseJsonText(text: string): object | string | undefined {
  let a = 0;
  let b = text.length - 1;
  while (a <= b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b))) b--;
  const open = text.charCodeAt(a);
  const close = text.charCodeAt(b);
  const quoted = open === 34 && close === 34 && (text.charCodeAt(a + 1) === 123 || text.charCodeAt(a + 1) === 91);
  if (!((open === 123 && close === 125) || (open === 91 && close === 93) || quoted) || b - a < 1) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return (v !== null && typeof v === "object") || typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Serializes a redacted JSON text back, keeping it pretty when it was. */
export function jsonTextOf(value: unknown, original: string): string {
  return original.includes("\n") ? JSON.stringify(value, null, 2) : JSON.stringify(value);
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

export interface QueryValue {
  name: string;
  /** The value as written (still URL-encoded) and where it stands. */
  start: number;
  end: number;
}

const isNameCode = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || c === 91 || c === 93 || c === 37;
/** What ends a value: `&`, `#`, whitespace, quotes, `<`, `>`, `;`. */
const isValueEnd = (c: number) => c === 38 || c === 35 || c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 59;

/**
 * Every `name=value` of query strings and form bodies in `text`, found from each `=`: after `?` or
 * `&` it is a query parameter; elsewhere (`a=1&b=2`, a form body) only when `&` follows its value.
 */
export function queryValues(text: string): QueryValue[] {
  if (!(text.includes("&") || text.includes("?"))) return [];
  const out: QueryValue[] = [];
  for (let eq = text.indexOf("="); eq !== -1; eq = text.indexOf("=", eq + 1)) {
    let nameStart = eq;
    while (nameStart > 0 && eq - nameStart < 64 && isNameCode(text.charCodeAt(nameStart - 1))) nameStart--;
    if (nameStart === eq) continue;
    const lead = nameStart > 0 ? text.charCodeAt(nameStart - 1) : 32;
    if (!(lead === 63 || lead === 38 || lead === 59 || lead <= 32 || lead === 34 || lead === 39 || lead === 35)) continue;
    let end = eq + 1;
    while (end < text.length && !isValueEnd(text.charCodeAt(end))) end++;
    if (end === eq + 1) continue;
    if (lead !== 63 && lead !== 38 && text.charCodeAt(end) !== 38) continue;
    out.push({ name: decodeQueryPart(text.slice(nameStart, eq)), start: eq + 1, end });
    eq = end - 1;
  }
  return out;
}

/** `+` is a space in forms; a malformed escape leaves the text as it was. */
export function decodeQueryPart(s: string): string {
  if (!s.includes("%") && !s.includes("+")) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}

/** Shorter runs are words and ids, and decode to too little text to hide anything in. */
const BASE64_MIN = 12;
/** Each base64 character's 6-bit value (standard and URL-safe alphabets), or -1. */
const SEXTET = new Int8Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".split("").forEach((c, i) => (SEXTET[c.charCodeAt(0)] = i));
SEXTET[45] = 62; // -
SEXTET[95] = 63; // _

export interface Blob {
  start: number;
  end: number;
  decoded: string;
}

/**
 * Base64 (standard or URL-safe) runs that decode to readable UTF-8 text. Random bytes (keys,
 * hashes, images) do not decode to text and are left to the other detectors.
 */
export function base64Texts(text: string, runs: readonly number[] = [0, text.length]): Blob[] {
  const out: Blob[] = [];
  // `runs`: where runs of token characters stand (the scanner's pass found them); base64 is inside those.
  for (let r = 0; r < runs.length; r += 2) blobsIn(text, runs[r]!, runs[r + 1]!, out);
  return out;
}

function blobsIn(text: string, from: number, to: number, out: Blob[]): void {
  let run = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 0;
    if (c < 128 && SEXTET[c]! >= 0) {
      run++;
      continue;
    }
    if (run >= BASE64_MIN) {
      const start = i - run;
      let end = i;
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61 /* = */) end++;
      // The first 12 characters are 9 bytes: random data shows a control byte there almost always,
      // so most candidates are ruled out without decoding them.
      if (printablePrefix(text, start)) {
        const decoded = decodeText(text.slice(start, i));
        if (decoded !== undefined) out.push({ start, end, decoded });
      }
    }
    run = 0;
  }
}

function printablePrefix(text: string, start: number): boolean {
  for (let q = 0; q < 3; q++) {
    const at = start + q * 4;
    const n = (SEXTET[text.charCodeAt(at)]! << 18) | (SEXTET[text.charCodeAt(at + 1)]! << 12) | (SEXTET[text.charCodeAt(at + 2)]! << 6) | SEXTET[text.charCodeAt(at + 3)]!;
    if (!printableByte(n >>> 16) || !printableByte((n >>> 8) & 255) || !printableByte(n & 255)) return false;
  }
  return true;
}

const printableByte = (b: number) => (b >= 32 && b !== 127) || b === 9 || b === 10 || b === 13;

/** Whether a base64 run decodes to readable text (then it is content to look into, not a key). */
export const decodesToText = (run: string) => printablePrefix(run, 0) && decodeText(run.replace(/=+$/, "")) !== undefined;

function decodeText(body: string): string | undefined {
  if (body.length % 4 === 1) return undefined;
  // A run of one letter case or of digits is a word, a name or a number, not base64.
  if (/^[a-z]+$|^[A-Z]+$|^[0-9]+$/.test(body)) return undefined;
  const bytes = Buffer.from(body, body.includes("-") || body.includes("_") ? "base64url" : "base64");
  if (bytes.length < 8) return undefined;
  for (let i = 0; i < bytes.length; i++) if (!printableByte(bytes[i]!)) return undefined;
  const s = bytes.toString("utf8");
  return s.includes("\ufffd") ? undefined : s;
}

/**
 * Full-width forms (`０９０－４７０２－７３２２`, `ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ`) folded to ASCII, one
 * character for one, so spans found in the folded text stand at the same offsets in the original.
 */
export function foldFullwidth(text: string): string | undefined {
  if (!/[\uff01-\uff5e\u3000]/.test(text)) return undefined;
  return text.replace(/[\uff01-\uff5e\u3000]/g, (c) => (c === "\u3000" ? " " : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** A text as its JSON escapes mean it (`\n`, `\"`, `\u0040`…), with each character's place in the original. */
export interface UnescapedView {
  text: string;
  /** map[i]: where view character i starts in the original; map[text.length] = the original's length. */
  map: Int32Array;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * JSON text embedded in other text (a request body in a log line, a tool call's arguments quoted
 * in a message) keeps its escapes: `\"password\": \"…\"`, `…\nsk-…`, `\u0040`. Scanning the text as
 * the escapes mean it lets every detector see names, quotes and boundaries as written; spans map
 * back through `map`. Up to `levels` rounds, for JSON escaped inside JSON. Undefined when the text
 * has no JSON escape at all.
 */
export function unescapeView(text: string, levels = 3): UnescapedView | undefined {
  let view: UnescapedView | undefined;
  for (let level = 0; level < levels; level++) {
    const source = view?.text ?? text;
    const next = unescapeOnce(source);
    if (!next) break;
    if (view) {
      const outer = view.map;
      for (let i = 0; i < next.map.length; i++) next.map[i] = outer[next.map[i]!]!;
    }
    view = next;
  }
  return view;
}

function unescapeOnce(text: string): UnescapedView | undefined {
  const map = new Int32Array(text.length + 1);
  const parts: string[] = [];
  let length = 0; // of the view so far
  let from = 0; // start of the run of plain text not yet copied
  for (let i = text.indexOf("\\"); i !== -1 && i < text.length - 1; i = text.indexOf("\\", i)) {
    const e = text[i + 1]!;
    const simple = SIMPLE_ESCAPES[e];
    const unicode = simple === undefined && e === "u" && isHex4(text, i + 2);
    if (simple === undefined && !unicode) {
      i += 2; // `\d` in a regex literal: not a JSON escape, kept as written
      continue;
    }
    // Copy the plain run before the escape in one piece; its characters map one for one.
    for (let k = from; k < i; k++) map[length++] = k;
    parts.push(text.slice(from, i), simple ?? String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)));
    map[length++] = i;
    i += unicode ? 6 : 2;
    from = i;
  }
  if (parts.length === 0) return undefined;
  for (let k = from; k < text.length; k++) map[length++] = k;
  parts.push(text.slice(from));
  map[length] = text.length;
  return { text: parts.join(""), map: map.subarray(0, length + 1) };
}

function isHex4(text: string, at: number): boolean {
  if (at + 4 > text.length) return false;
  for (let k = at; k < at + 4; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Column names whose cells are phone numbers or card numbers, in CSV, TSV and markdown tables. */
export const CARD_COLUMN = /^(?:card|card[ _-]?(?:number|no)|cc|cc[ _-]?number|pan|credit[ _-]?card)$/i;
export const PHONE_COLUMN = /^(?:phone|phone[ _-]?(?:number|no)|tel|telephone|mobile|cell|fax|whatsapp|msisdn|contact[ _-]?number|telefon[oe]?|t[ée]l[ée]phone|handy|m[oó]vil)$/i;

export interface Cell {
  start: number;
  end: number;
}

/**
 * The cells of the columns named by `columnName` in the tables a text holds (`hint`: a cheap test
 * that the text could hold such a header at all): a header line (`id,name,phone`,
 * `| Contact | Phone |`) names the column, and each following line with as many cells gives one.
 * A number in a table cell carries no label of its own, so only the header says what it is.
 */
export function columnCells(text: string, columnName: RegExp, hint: { test(text: string): boolean }): Cell[] {
  // Most texts have no table with such a column: the hint finds a header cell by its name alone.
  if (!hint.test(text)) return [];
  const out: Cell[] = [];
  let column = -1;
  let sep = "";
  let width = 0;
  let at = 0;
  while (at <= text.length) {
    const nl = text.indexOf("\n", at);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(at, end);
    const cells = splitCells(line);
    if (cells && column >= 0 && cells.sep === sep && cells.parts.length === width) {
      const c = cells.parts[column]!;
      out.push({ start: at + c.start, end: at + c.end });
    } else if (cells && !/^[\s|:-]+$/.test(line)) {
      const named = cells.parts.findIndex((c) => columnName.test(line.slice(c.start, c.end).trim()));
      column = named;
      sep = cells.sep;
      width = cells.parts.length;
    } else if (!cells || !/^[\s|:-]+$/.test(line)) column = -1; // a markdown table's |---| line keeps the header
    if (nl === -1) break;
    at = nl + 1;
  }
  return out.filter((c) => /[0-9]/.test(text.slice(c.start, c.end)));
}

function splitCells(line: string): { sep: string; parts: Cell[] } | undefined {
  const sep = line.includes("|") ? "|" : line.includes("\t") ? "\t" : line.includes(",") ? "," : line.includes(";") ? ";" : "";
  if (!sep) return undefined;
  const parts: Cell[] = [];
  let from = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i < line.length && line[i] !== sep) continue;
    let s = from;
    let e = i;
    while (s < e && (line[s] === " " || line[s] === '"')) s++;
    while (e > s && (line[e - 1] === " " || line[e - 1] === '"')) e--;
    parts.push({ start: s, end: e });
    from = i + 1;
  }
  // `| a | b |`: the empty cells outside the outer pipes are not columns.
  if (sep === "|" && parts.length > 1 && parts[0]!.end === parts[0]!.start) parts.shift();
  if (sep === "|" && parts.length > 1 && parts[parts.length - 1]!.end === parts[parts.length - 1]!.start) parts.pop();
  return parts.length >= 2 ? { sep, parts } : undefined;
}
