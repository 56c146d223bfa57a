/**
 * Detectors written as code rather than regexes, for shapes a regex can only find by trying every
 * position: an e-mail address is found from its `@` outwards, URL credentials from `://`. Both run
 * only on texts that contain their anchor, in linear time.
 */
import type { Found } from "./detector-types.js";
import { ipv6Valid } from "./validators.js";

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** Letters, digits and marks of any script: RFC 6531 addresses and IDN domains are written in them. */
const WIDE_WORD = /[\p{L}\p{N}\p{M}]/u;
const isWide = (text: string, i: number) => text.charCodeAt(i) >= 128 && WIDE_WORD.test(text[i]!);
const isLocalChar = (c: number) => isAlnum(c) || c === 46 /* . */ || c === 95 /* _ */ || c === 37 /* % */ || c === 43 /* + */ || c === 45; /* - */
const isDomainChar = (c: number) => isAlnum(c) || c === 45 || c === 46;
/** A top-level domain: letters (any script) or an IDN's punycode. */
const TLD = /^(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}|[\p{L}\p{M}]{2,63})$/u;

/**
 * E-mail addresses in the dot-atom forms people write, in any script (`jürgen@müller.de`,
 * `用户@例子.中国`), and URL-encoded (`alice%40example.com`), found from each `@` outwards whatever
 * stands around them (`(bob@corp.io)`, `-alice@…`, `mailto:…`). An `@` that ends the password of
 * a URL (`scheme://user:pass@host`) belongs to the URL's credentials, not to an address.
 */
export function findEmails(text: string): Found[] {
  const out: Found[] = [];
  let floor = 0; // never start inside the previous address
  const state = { plain: text.indexOf("@"), encoded: text.indexOf("%40") };
  let at = nextAt(text, 0, state);
  while (at !== -1) {
    const width = text.charCodeAt(at) === 64 ? 1 : 3; // "@" or "%40"
    let start = at;
    while (start > floor && at - start < 64 && (isLocalChar(text.charCodeAt(start - 1)) || isWide(text, start - 1))) start--;
    while (start < at && !isAlnum(text.charCodeAt(start)) && !isWide(text, start)) start++; // no leading dot, dash or glue
    let end = at + width;
    while (end < text.length && end - at < 255 && (isDomainChar(text.charCodeAt(end)) || isWide(text, end))) end++;
    while (end > at + width && !isAlnum(text.charCodeAt(end - 1)) && !isWide(text, end - 1)) end--; // no trailing dot or dash
    const domain = text.slice(at + width, end);
    const lastDot = domain.lastIndexOf(".");
    if (start < at && lastDot > 0 && TLD.test(domain.slice(lastDot + 1)) && !domain.includes("..") && !inUrlCredentials(text, start)) {
      out.push({ start, end });
      floor = end;
    }
    at = nextAt(text, Math.max(at + 1, floor), state);
  }
  return out;
}

/**
 * The next `@` or `%40` at or after `from`. Each kind's next position is remembered, so a text
 * with thousands of one and none of the other is not searched to its end once per `@`.
 */
function nextAt(text: string, from: number, state: { plain: number; encoded: number }): number {
  if (state.plain !== -1 && state.plain < from) state.plain = text.indexOf("@", from);
  if (state.encoded !== -1 && state.encoded < from) state.encoded = text.indexOf("%40", from);
  const { plain, encoded } = state;
  return encoded === -1 ? plain : plain === -1 ? encoded : Math.min(plain, encoded);
}

/** `scheme://user:pass@host`: the local part follows a `:` that follows `://user` in the same token. */
function inUrlCredentials(text: string, start: number): boolean {
  if (text.charCodeAt(start - 1) !== 58) return false;
  for (let i = start - 2; i >= 2 && start - i < 256; i--) {
    const c = text.charCodeAt(i);
    if (c <= 32) return false;
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) return true;
  }
  return false;
}

/**
 * `scheme://user:password@host` → the `user:password` part (`redis://:password@…` too, and a
 * password with an unencoded `@` in it: the authority ends at its last `@`); a bare token as user
 * info (`https://ghp_…@github.com`) too.
 */
export function findUrlCredentials(text: string): Found[] {
  const out: Found[] = [];
  for (let sep = text.indexOf("://"); sep !== -1; sep = text.indexOf("://", sep + 3)) {
    const start = sep + 3;
    let end = start;
    let colon = -1;
    let lastAt = -1;
    while (end < text.length && end - start < 1024) {
      const c = text.charCodeAt(end);
      if (c <= 32 || c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */ || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 92) break;
      if (c === 64) lastAt = end;
      else if (c === 58 && colon === -1 && lastAt === -1) colon = end;
      end++;
    }
    if (lastAt <= start || !/[A-Za-z][A-Za-z0-9+.-]*$/.test(text.slice(Math.max(0, sep - 20), sep))) continue;
    if ((colon >= start && colon < lastAt - 1) || lastAt - start >= 20) out.push({ start, end: lastAt });
  }
  return out;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
/** What may not touch an address on either side: a longer token would make it something else. */
const isTokenChar = (c: number) => isAlnum(c) || c === 95 /* _ */ || c === 58 /* : */;

const MAC_COLON = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;
const MAC_DASH = /[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}(?![A-Za-z0-9_:-])/y;
const MAC_DOTS = /[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![A-Za-z0-9_:.-])/y;

/**
 * MAC addresses (`00:1a:2b:3c:4d:5e`, `00-1A-…`, `001a.2b3c.4d5e`) and IPv6 addresses, found from
 * their separators: a regex starting with a hex digit would stop at every a–f letter of every text.
 * Each run of hex digits, colons and dots around a colon is read once, then validated whole.
 */
export function findMacOrIpv6(text: string): Found[] {
  const out: Found[] = [];
  let floor = 0;
  for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", Math.max(colon + 1, floor))) {
    // Most colons in text (`"key": 1`, `note: …`, `12:30`) touch no hex digit or colon on one side.
    const p = text.charCodeAt(colon - 1);
    const n = text.charCodeAt(colon + 1);
    if (!(isHex(p) || p === 58) || !(isHex(n) || n === 58)) {
      if (!(p === 58 || n === 58)) continue; // `::1`, `fe80::` start or end with the elision
    }
    let start = colon;
    while (start > floor && colon - start < 40 && (isHex(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === 58)) start--;
    let end = colon + 1;
    while (end < text.length && end - start < 46) {
      const c = text.charCodeAt(end);
      if (!isHex(c) && c !== 58 && c !== 46) break;
      end++;
    }
    floor = end;
    while (end > colon + 1 && text.charCodeAt(end - 1) === 46) end--; // a sentence's full stop
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    if (isTokenChar(before) || before === 46 || isTokenChar(after) || (after === 46 && isAlnum(text.charCodeAt(end + 1)))) continue;
    const candidate = text.slice(start, end);
    if (MAC_COLON.test(candidate)) out.push({ start, end, entity: "MAC_ADDRESS" });
    // A digit somewhere: `a::b`, `dead::beef` are more often code than addresses.
    else if (candidate.length >= 3 && /[0-9]/.test(candidate) && ipv6Valid(candidate)) out.push({ start, end, entity: "IP_ADDRESS" });
  }
  findSeparated(text, 45 /* - */, 2, MAC_DASH, out);
  findSeparated(text, 46 /* . */, 4, MAC_DOTS, out);
  return out;
}

/** MAC forms whose groups of `head` hex digits are separated by `sep`: checked only where two separators line up. */
function findSeparated(text: string, sep: number, head: number, shape: RegExp, out: Found[]): void {
  const ch = String.fromCharCode(sep);
  for (let at = text.indexOf(ch, head); at !== -1; at = text.indexOf(ch, at + 1)) {
    if (text.charCodeAt(at + head + 1) !== sep) continue;
    const start = at - head;
    if (!isHex(text.charCodeAt(start)) || !isHex(text.charCodeAt(at - 1)) || !isHex(text.charCodeAt(at + 1))) continue;
    if (start > 0) {
      const b = text.charCodeAt(start - 1);
      if (isTokenChar(b) || b === 46 || b === 45) continue;
    }
    shape.lastIndex = start;
    if (shape.test(text)) {
      out.push({ start, end: shape.lastIndex, entity: "MAC_ADDRESS" });
      at = shape.lastIndex;
    }
  }
}
