/**
 * Structural and checksum validation for detector candidates. A regex finds what *looks like* a
 * card or an IBAN; these decide whether it *is* one, which is what keeps order numbers, dates and
 * invalid look-alikes out of the redaction.
 */

export function digitsOf(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

/** Luhn (mod 10) checksum over a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefix and length rules of the major card networks (IIN ranges). */
export function cardNetwork(digits: string): string | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if ((p2 === 34 || p2 === 37) && n === 15) return "amex";
  if (digits[0] === "4" && (n === 13 || n === 16 || n === 19)) return "visa";
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return "mastercard";
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) return "discover";
  if ((p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305) || p3 === 309) && n >= 14 && n <= 19) return "diners";
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return "jcb";
  if (p2 === 62 && n >= 16 && n <= 19) return "unionpay";
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12 && n <= 19) return "maestro";
  if (p4 === 2200 || p4 === 2201 || p4 === 2202 || p4 === 2203 || p4 === 2204) return n === 16 ? "mir" : undefined;
  return undefined;
}

export function isPaymentCard(candidate: string): boolean {
  const d = digitsOf(candidate);
  return d.length >= 13 && d.length <= 19 && cardNetwork(d) !== undefined && luhnValid(d);
}

/** IBAN lengths per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** ISO 7064 mod 97-10 over an IBAN (country and check digits moved to the end, letters as 10..35). */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) remainder = (remainder * 100 + (c - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

/**
 * Length of the IBAN at the start of `candidate` (spaces allowed between groups), or 0. The
 * candidate may run on into following text; the country's length decides where the IBAN ends.
 */
export function ibanLength(candidate: string): number {
  const length = IBAN_LENGTHS[candidate.slice(0, 2)];
  if (!length) return 0;
  let compact = "";
  let i = 0;
  for (; i < candidate.length && compact.length < length; i++) {
    const ch = candidate[i]!;
    if (ch !== " ") compact += ch;
  }
  if (compact.length !== length || !ibanChecksumValid(compact)) return 0;
  // Not followed by more of the same token (then it was a longer, different string).
  const next = candidate[i];
  if (next !== undefined && next !== " " && /[A-Z0-9]/.test(next)) return 0;
  return i;
}

/** US SSN rules: area 001–899 except 666, group 01–99, serial 0001–9999. */
export function ssnValid(candidate: string): boolean {
  const d = digitsOf(candidate);
  if (d.length !== 9) return false;
  const area = Number(d.slice(0, 3));
  const group = Number(d.slice(3, 5));
  const serial = Number(d.slice(5));
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

export function ipv4Valid(candidate: string): boolean {
  const parts = candidate.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === "0")) return false;
    if (Number(p) > 255) return false;
  }
  return true;
}

/** RFC 4291 text forms: eight groups, one `::` elision at most, an optional dotted IPv4 tail. */
export function ipv6Valid(candidate: string): boolean {
  let s = candidate;
  let groupsNeeded = 8;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!ipv4Valid(tail)) return false;
    s = s.slice(0, lastColon + 1) + "0"; // stand-in group; the IPv4 tail counts as two
    groupsNeeded = 7;
  }
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  for (const g of [...left, ...right]) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
  const count = left.length + right.length;
  return halves.length === 2 ? count < groupsNeeded : count === groupsNeeded;
}

const counts = new Uint16Array(128);

/** Shannon entropy in bits per character (ASCII counted in a reused table; others by Map). */
export function entropy(s: string): number {
  let h = 0;
  const n = s.length;
  let ascii = true;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 128) ascii = false;
  if (ascii && n < 65536) {
    for (let i = 0; i < n; i++) counts[s.charCodeAt(i)]!++;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      const k = counts[c]!;
      if (k === 0) continue; // already counted
      const p = k / n;
      h -= p * Math.log2(p);
      counts[c] = 0;
    }
    return h;
  }
  const map = new Map<string, number>();
  for (const ch of s) map.set(ch, (map.get(ch) ?? 0) + 1);
  for (const k of map.values()) h -= (k / n) * Math.log2(k / n);
  return h;
}

/** A date or time written with the separators phone numbers also use (`05.11.2024`, `2024-11-05`). */
export function looksLikeDate(candidate: string): boolean {
  return /^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2})(?:\D|$)/.test(candidate);
}
