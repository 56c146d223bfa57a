/**
 * The values the placement test plants, and every form in which finding them counts as a leak.
 *
 * One of each kind: a GitHub token and a Stripe-like key (caught by their shape), a password (only
 * its field name gives it away) and an e-mail address. They are generated from a fixed seed, so a
 * failure replays with the same values, and random enough that no other text holds them by chance.
 */
import { seeded } from "../../faults/harness.js";

export interface Probes {
  /** `ghp_` and 36 letters and digits. */
  secret: string;
  /** `sk_live_` and 24 letters and digits. */
  stripe: string;
  /** Nothing in it says "secret": only the name of the field that holds it does. */
  password: string;
  email: string;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER = "abcdefghijklmnopqrstuvwxyz";

export function makeProbes(seed = 17): Probes {
  const rand = seeded(seed);
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
  return {
    secret: `ghp_${pick(ALNUM, 36)}`,
    stripe: `sk_live_${pick(ALNUM, 24)}`,
    password: `plum-Orbit-${pick("0123456789", 4)}-quartz`,
    email: `mallory.${pick(LOWER, 6)}@probe-mail.org`,
  };
}

export interface Needle {
  probe: keyof Probes;
  /** How the probe is written where it was found: raw, a fragment of it, base64 of it... */
  form: string;
  text: string;
}

/**
 * Base64 of `value` as it reads inside a longer base64 blob, for each of the three byte alignments
 * it can start at: only the characters that depend on `value` alone (not on its neighbours).
 */
function base64Forms(value: string): string[] {
  const forms: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.concat([Buffer.alloc(pad), Buffer.from(value)]).toString("base64").replace(/=+$/, "");
    // Characters before ceil(8·pad/6) hold pad bits; the last one may hold the next byte's.
    const inner = encoded.slice(Math.ceil((8 * pad) / 6), -1);
    forms.push(inner, inner.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(forms)];
}

/** Every 12-character window of the random part: a partial redaction still leaks most of a key. */
function windows(random: string, size = 12): string[] {
  return Array.from({ length: random.length - size + 1 }, (_, i) => random.slice(i, i + size));
}

export function needles(p: Probes): Needle[] {
  const list: Needle[] = [];
  const add = (probe: keyof Probes, form: string, texts: string[]) => {
    for (const text of texts) list.push({ probe, form, text });
  };
  for (const probe of ["secret", "stripe", "password", "email"] as const) {
    add(probe, "raw", [p[probe]]);
    add(probe, "base64", base64Forms(p[probe]));
  }
  // Fragments survive URL-encoding (%40 for @) and JSON escapes (\u0040) of what is around them.
  add("secret", "fragment", windows(p.secret.slice("ghp_".length)));
  add("stripe", "fragment", windows(p.stripe.slice("sk_live_".length)));
  add("password", "fragment", windows(p.password));
  add("email", "local part", [p.email.slice(0, p.email.indexOf("@"))]);
  return list;
}

export interface Hit {
  needle: Needle;
  index: number;
}

/** Where in `text` any needle occurs (the first occurrence of each). */
export function findNeedles(text: string, list: readonly Needle[]): Hit[] {
  const hits: Hit[] = [];
  for (const needle of list) {
    const index = text.indexOf(needle.text);
    if (index !== -1) hits.push({ needle, index });
  }
  return hits;
}
