/**
 * Detectors written as code rather than regexes, for shapes a regex can only find by trying every
 * position: an e-mail address is found from its `@` outwards, URL credentials from `://`. Both run
 * only on texts that contain their anchor, in linear time.
 */
export interface Found {
  start: number;
  end: number;
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isLocalChar = (c: number) => isAlnum(c) || c === 46 /* . */ || c === 95 /* _ */ || c === 37 /* % */ || c === 43 /* + */ || c === 45; /* - */
const isDomainChar = (c: number) => isAlnum(c) || c === 45 || c === 46;

/** RFC 5321-shaped addresses (the dot-atom forms people actually write). */
export function* findEmails(text: string): Generator<Found> {
  let at = text.indexOf("@");
  let floor = 0; // never start inside the previous address
  while (at !== -1) {
    let start = at;
    while (start > floor && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    while (start < at && !isAlnum(text.charCodeAt(start))) start++; // no leading dot or dash
    let end = at + 1;
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
    while (end > at + 1 && !isAlnum(text.charCodeAt(end - 1))) end--; // no trailing dot or dash
    const domain = text.slice(at + 1, end);
    const lastDot = domain.lastIndexOf(".");
    const tld = domain.slice(lastDot + 1);
    const before = start > 0 ? text.charCodeAt(start - 1) : 0;
    if (start < at && lastDot > 0 && /^[A-Za-z]{2,63}$/.test(tld) && !domain.includes("..") && before !== 95 /* _ */) {
      yield { start, end };
      floor = end;
    }
    at = text.indexOf("@", Math.max(at + 1, floor));
  }
}

/** `scheme://user:password@host` → the `user:password` part; also a bare token as user info. */
export function* findUrlCredentials(text: string): Generator<Found> {
  let sep = text.indexOf("://");
  while (sep !== -1) {
    const start = sep + 3;
    let end = start;
    let colon = -1;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 64 /* @ */ || c <= 32 || c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
      if (c === 58 && colon === -1) colon = end;
      end++;
    }
    const scheme = /[A-Za-z][A-Za-z0-9+.-]*$/.test(text.slice(Math.max(0, sep - 20), sep));
    if (scheme && text.charCodeAt(end) === 64 && end > start && (colon > start || end - start >= 20)) yield { start, end };
    sep = text.indexOf("://", start);
  }
}
