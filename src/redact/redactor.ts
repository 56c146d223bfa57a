/**
 * The redactor: one walk over a JSON value (or a whole unsealed event) that replaces every
 * detected value and reports what it replaced — path, entity, count — never the value itself.
 *
 * The walk copies only what changes: a clean event comes back as the same objects, so the common
 * case allocates nothing.
 */
import type { Redaction, UnsealedEvent } from "../events/schema.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { isPlaceholderValue } from "./credentials.js";
import { CARD_HEADER, isCardField, isPhoneField, PAIR_NAME_FIELDS, PHONE_HEADER } from "./field-rules.js";
import { BACKSLASH, EQUALS, NON_ASCII, TABLE, type TextFeatures } from "./text-features.js";
import { isPaymentCard } from "./validators.js";
import { BUILTIN_DETECTORS, BUILTIN_ENTITIES } from "./detectors.js";
import { SensitiveKeys } from "./keys.js";
import { applyOperator, parseHashKey, parseKey, type Operator, type OperatorKeys } from "./operators.js";
import { redactionOptionsSchema, type RedactionOptions } from "./options.js";
import { mergeSpans, Scanner, type CustomDetector, type Span } from "./scanner.js";
import { base64Texts, CARD_COLUMN, columnCells, decodeQueryPart, foldFullwidth, jsonTextOf, parseJsonText, PHONE_COLUMN, queryValues, unescapeView } from "./structure.js";

export interface RedactResult<T> {
  value: T;
  redactions: Redaction[];
}

export interface Redactor {
  /** Redacts a string or any JSON value (objects and arrays at any depth). */
  redact<T>(value: T): RedactResult<T>;
  /** Redacts a plain string, for error messages and log lines. */
  redactText(text: string): string;
  /** Redacts the content fields of an event before it is sealed: name, tags, metadata, data. */
  redactEvent(event: UnsealedEvent): UnsealedEvent;
  /** The entities this redactor detects. */
  readonly entities: readonly string[];
}

/** A text's redaction: the new text, and what was found, by path below the text (`(json).user.email`). */
interface ScanResult {
  out: string;
  found: readonly Redaction[];
}
const NONE: readonly Redaction[] = [];
/**
 * How many encodings deep the redactor looks (JSON in a string in a string…, base64 of JSON, a
 * query value's escapes): each level is a full parse, and real data rarely nests past three.
 */
const MAX_DECODE_DEPTH = 4;
/** Objects and arrays decoded from a string nest at most this deep; deeper ones are scanned as text. */
const MAX_DECODED_NESTING = 200;
class TooDeep extends Error {}
/** Every text is remembered: keys, model names, system prompts and tool names repeat in every event of a run, and a lookup costs a hash where a scan costs every pass. */
const CACHE_MIN_CHARS = 3;
/** Characters of text remembered by the string cache before it starts over (about 8 MB). */
const CACHE_CHARS = 4_000_000;

/** The entity recorded when a field is redacted because of its name. */
const KEY_RULE_ENTITY = "SECRET";

class Tally {
  private counts: Map<string, Redaction> | undefined; // most events have nothing to redact
  add(path: string, entity: string): void {
    const key = `${path}\u0000${entity}`;
    const r = (this.counts ??= new Map()).get(key);
    if (r) r.count++;
    else this.counts.set(key, { path, entity, count: 1 });
  }
  list(): Redaction[] {
    return this.counts ? [...this.counts.values()] : [];
  }
}

class RedactorImpl implements Redactor {
  readonly entities: readonly string[];
  private readonly scanner: Scanner;
  private readonly sensitive: SensitiveKeys;
  private readonly operatorFor: (entity: string) => Operator;
  private readonly keys: OperatorKeys;
  private readonly allow: Array<string | RegExp>;
  private readonly memo = new WeakMap<object, { value: unknown; redactions: Redaction[] }>();
  /** Text → its redaction. Off with "encrypt", whose tokens must differ for equal values. */
  private readonly cache: Map<string, ScanResult> | undefined;
  private cachedChars = 0;

  constructor(options: RedactionOptions) {
    const opts = parseOptions("redaction", redactionOptionsSchema, options);
    const custom = (opts.custom ?? []) as CustomDetector[];
    const known = new Set([...BUILTIN_ENTITIES, ...custom.map((c) => c.entity)]);
    const unknown = (field: string, names: readonly string[] | undefined) => {
      const bad = (names ?? []).filter((n) => !known.has(n));
      if (bad.length)
        failConfig(`redaction.${field}: unknown entit${bad.length > 1 ? "ies" : "y"} ${bad.join(", ")}. Fix: use one of ${[...known].join(", ")}, or declare it in redaction.custom.`);
    };
    unknown("entities", opts.entities);
    unknown("disable", opts.disable);
    unknown("operators", Object.keys(opts.operators ?? {}));

    const enabled = new Set(opts.entities ?? BUILTIN_ENTITIES);
    for (const d of opts.disable ?? []) enabled.delete(d);
    // The SECRET detectors and the finders name several entities (vendor formats, PASSWORD, MAC or IP
    // address); the scanner filters what they find.
    const builtins = BUILTIN_DETECTORS.filter((d) => enabled.has(d.entity) || d.entity === "SECRET" || d.find !== undefined);
    this.scanner = new Scanner(builtins, custom, enabled);
    this.entities = [...enabled, ...custom.map((c) => c.entity)];
    this.sensitive = new SensitiveKeys(opts.sensitiveKeys);
    this.allow = opts.allow ?? [];

    const fallback = opts.operator ?? "replace";
    const perEntity = opts.operators ?? {};
    // Cards are masked by default: the last four digits are what support staff ask for.
    this.operatorFor = (entity) => perEntity[entity] ?? (opts.operator === undefined && entity === "CREDIT_CARD" ? "mask" : fallback);
    const used = new Set<Operator>([fallback, ...Object.values(perEntity)]);
    this.cache = used.has("encrypt") ? undefined : new Map();
    this.keys = {};
    if (used.has("hash")) {
      const key = opts.hashKey ?? process.env.AGENT_AUDIT_HASH_KEY;
      if (!key) failConfig('redaction.hashKey: the "hash" operator needs a secret key, or anyone could reverse pseudonyms by hashing guesses. Fix: pass redaction.hashKey (≥ 16 bytes) or set AGENT_AUDIT_HASH_KEY.');
      try {
        this.keys.hashKey = parseHashKey(key);
      } catch (err) {
        failConfig(`redaction.hashKey: ${(err as Error).message}. Fix: use a random secret of at least 16 bytes.`);
      }
    }
    if (used.has("encrypt")) {
      const key = opts.encryptionKey ?? process.env.AGENT_AUDIT_ENCRYPTION_KEY;
      if (!key) failConfig('redaction.encryptionKey: the "encrypt" operator needs a 32-byte AES key. Fix: pass redaction.encryptionKey or set AGENT_AUDIT_ENCRYPTION_KEY.');
      try {
        this.keys.encryptionKey = parseKey(key, "redaction.encryptionKey");
      } catch (err) {
        failConfig(`${(err as Error).message}.`);
      }
    }
  }

  redact<T>(value: T): RedactResult<T> {
    const tally = new Tally();
    const out = this.walk(value, [], tally, 0, 0) as T;
    return { value: out, redactions: tally.list() };
  }

  redactText(text: string): string {
    return this.text(text, [], new Tally(), 0);
  }

  redactEvent(event: UnsealedEvent): UnsealedEvent {
    const tally = new Tally();
    const name = event.name !== undefined ? this.text(event.name, ["name"], tally, 0) : undefined;
    const tags = event.tags !== undefined ? (this.memoized(event.tags, "tags", tally) as string[]) : undefined;
    const metadata = event.metadata !== undefined ? (this.memoized(event.metadata, "metadata", tally) as Record<string, unknown>) : undefined;
    const data = this.walk(event.data, ["data"], tally, 0, 0) as Record<string, unknown>;
    const redactions = tally.list();
    // Most events have nothing to redact: hand the same object back rather than a copy.
    if (!redactions.length && name === event.name && tags === event.tags && metadata === event.metadata && data === event.data) return event;
    const out: UnsealedEvent = { ...event, data };
    if (event.name !== undefined) out.name = name;
    if (event.tags !== undefined) out.tags = tags;
    if (event.metadata !== undefined) out.metadata = metadata;
    if (redactions.length) out.redactions = [...(event.redactions ?? []), ...redactions];
    return out;
  }

  /** Tags and metadata are shared by every event of a run: redact each object once. */
  private memoized(value: object, root: string, tally: Tally): unknown {
    let hit = this.memo.get(value);
    if (!hit) {
      const own = new Tally();
      hit = { value: this.walk(value, [root], own, 0, 0), redactions: own.list() };
      this.memo.set(value, hit);
    }
    for (const r of hit.redactions) for (let i = 0; i < r.count; i++) tally.add(r.path, r.entity);
    return hit.value;
  }

  /**
   * `depth`: how many encodings down this value was found (0 for the event itself); `nesting`: how
   * deep inside a decoded value, bounded so a hostile string cannot exhaust the stack.
   */
  private walk(value: unknown, path: string[], tally: Tally, depth: number, nesting: number): unknown {
    if (typeof value === "string") return this.text(value, path, tally, depth);
    if (typeof value === "number") return this.number(value, path, tally, depth);
    if (value === null || typeof value !== "object") return value;
    if (depth > 0 && nesting > MAX_DECODED_NESTING) throw new TooDeep();
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        const item = value[i];
        // A header list's entry, `[["Authorization", "Basic …"], …]`: its name is its first element.
        const v = Array.isArray(item) && item.length === 2 && typeof item[0] === "string" && this.isSecretValue(item[0], item[1])
          ? this.headerPair(item as [string, unknown], path, tally)
          : this.walk(item, path, tally, depth, nesting + 1);
        path.pop();
        if (v !== value[i]) (copy ??= value.slice())[i] = v;
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = value as Record<string, unknown>;
    let used: Set<string> | undefined;
    // `{ name: "password", value: "…" }`: the name is in another field.
    const pairName = "value" in obj ? PAIR_NAME_FIELDS.map((f) => obj[f]).find((n) => typeof n === "string") : undefined;
    // for…in walks the object's enumeration cache without allocating a key array per object;
    // inherited enumerable properties (not in JSON, but in a user's class instance) are skipped.
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      const v = obj[key];
      // A key can hold personal data too (a map keyed by e-mail address). It is redacted first, so
      // the path of anything below it, in `redactions`, never holds the original; two keys that
      // redact alike keep both values (`[EMAIL]`, `[EMAIL]#2`).
      let newKey = key.length >= 6 ? this.text(key, path, tally, depth) : key;
      if (newKey !== key) {
        used ??= new Set(Object.keys(obj));
        const base = newKey;
        for (let n = 2; used.has(newKey); n++) newKey = `${base}#${n}`;
        used.add(newKey);
      }
      path.push(newKey);
      let next: unknown;
      if (this.isSecretValue(key, v) || (key === "value" && typeof pairName === "string" && this.isSecretValue(pairName, v))) {
        next = this.keyRule(v, path, tally);
        if (next === DROPPED) {
          copy ??= { ...obj };
          delete copy[key];
          path.pop();
          continue;
        }
      } else if ((typeof v === "string" || typeof v === "number") && isCardField(key, path) && isPaymentCard(String(v))) {
        // `{"card": {"number": "6759…"}}`: 19 digits together are a card when the field says so.
        tally.add(path.join("."), "CREDIT_CARD");
        next = applyOperator(this.operatorFor("CREDIT_CARD"), "CREDIT_CARD", String(v), this.keys);
      } else if (typeof v === "string" && isPhoneField(key, v)) {
        // `{"phone": "132 0397 1151"}`: a national number has no shape of its own; its field says what it is.
        tally.add(path.join("."), "PHONE");
        next = applyOperator(this.operatorFor("PHONE"), "PHONE", v, this.keys);
      } else {
        next = this.walk(v, path, tally, depth, nesting + 1);
      }
      path.pop();
      if (next !== v || newKey !== key) {
        copy ??= { ...obj };
        if (newKey !== key) delete copy[key];
        copy[newKey] = next;
      }
    }
    return copy ?? value;
  }

  /** A field whose name says it holds a secret, with a value worth replacing (a flag `auth: true` is not one). */
  private isSecretValue(name: string, v: unknown): boolean {
    return v !== null && v !== undefined && v !== "" && typeof v !== "boolean" && this.sensitive.has(name) && !isRedactedAlready(v);
  }

  private headerPair(pair: [string, unknown], path: string[], tally: Tally): unknown[] {
    path.push("1");
    const v = this.keyRule(pair[1], path, tally);
    path.pop();
    return v === DROPPED ? [pair[0]] : [pair[0], v];
  }

  private keyRule(v: unknown, path: string[], tally: Tally): unknown {
    const op = this.operatorFor(KEY_RULE_ENTITY);
    tally.add(path.join("."), KEY_RULE_ENTITY);
    if (op === "drop") return DROPPED;
    return applyOperator(op, KEY_RULE_ENTITY, typeof v === "string" ? v : JSON.stringify(v), this.keys);
  }

  /** Long integers are scanned as their digits: a card or phone number sent as a JSON number. */
  private number(value: number, path: string[], tally: Tally, depth: number): unknown {
    if (!Number.isSafeInteger(value) || Math.abs(value) < 1e8) return value;
    const digits = String(value);
    const out = this.text(digits, path, tally, depth);
    return out === digits ? value : out;
  }

  private text(text: string, path: string[], tally: Tally, depth: number): string {
    if (text.length < 3) return text;
    // A run repeats its strings in many events (the user's message is in the root's inputs, the
    // input event and every model call's messages), so results are remembered by string.
    const cache = text.length >= CACHE_MIN_CHARS && depth === 0 ? this.cache : undefined;
    let known = cache?.get(text);
    if (!known) {
      known = this.analyse(text, depth);
      if (cache) {
        this.cachedChars += text.length;
        if (this.cachedChars > CACHE_CHARS) {
          cache.clear();
          this.cachedChars = text.length;
        }
        cache.set(text, known);
      }
    }
    if (known.found.length) {
      const where = path.join(".");
      for (const f of known.found) {
        const at = f.path === "" ? where : where === "" ? f.path : `${where}.${f.path}`;
        for (let i = 0; i < f.count; i++) tally.add(at, f.entity);
      }
    }
    return known.out;
  }

  /** A string's redaction: as JSON when it is JSON, else every detector and what hides in its structure. */
  private analyse(text: string, depth: number): ScanResult {
    if (depth < MAX_DECODE_DEPTH) {
      const json = parseJsonText(text);
      if (typeof json === "string") {
        const inner = this.analyse(json, depth + 1);
        if (inner.out === json) return { out: text, found: NONE };
        return { out: JSON.stringify(inner.out), found: inner.found.map((f) => ({ ...f, path: f.path ? `(json).${f.path}` : "(json)" })) };
      }
      if (json !== undefined) {
        try {
          const inner = new Tally();
          const out = this.walk(json, ["(json)"], inner, depth + 1, 0);
          if (out === json) return { out: text, found: NONE };
          return { out: jsonTextOf(out, text), found: inner.list() };
        } catch (err) {
          if (!(err instanceof TooDeep)) throw err;
        }
      }
    }
    // Escaped JSON inside the text is scanned as its escapes mean it, and the spans mapped back.
    // What the text is made of decides which passes can find anything (text-features.ts).
    const first = this.scanner.features(text);
    const folded = (first.mask & NON_ASCII) !== 0 ? (foldFullwidth(text) ?? text) : text;
    const view = (first.mask & BACKSLASH) !== 0 ? unescapeView(folded) : undefined;
    const scanned = view?.text ?? folded;
    const features = scanned === text ? first : this.scanner.features(scanned);
    const spans = this.scanner.scan(scanned);
    const hidden = depth < MAX_DECODE_DEPTH ? this.structureSpans(scanned, depth, features) : undefined;
    let all = hidden?.length ? mergeSpans([...spans, ...hidden]) : spans;
    if (view) all = mergeSpans(all.map((s) => ({ start: view.map[s.start]!, end: view.map[s.end]!, entity: s.entity })));
    if (all.length === 0) return { out: text, found: NONE };
    let out = "";
    let at = 0;
    const found = new Tally();
    for (const s of all) {
      const original = text.slice(s.start, s.end);
      if (this.allowed(original)) continue;
      out += text.slice(at, s.start) + applyOperator(this.operatorFor(s.entity), s.entity, original, this.keys);
      at = s.end;
      found.add("", s.entity);
    }
    const list = found.list();
    return list.length ? { out: out + text.slice(at), found: list } : { out: text, found: NONE };
  }

  /**
   * Values hidden in a text's structure: a secret-named query or form parameter, and a URL-encoded
   * value or base64 blob whose decoded text holds anything a detector finds. The whole encoded
   * value goes: half of an encoding can still be decoded.
   */
  private structureSpans(text: string, depth: number, features: TextFeatures): Span[] {
    const spans: Span[] = [];
    if ((features.mask & EQUALS) !== 0) for (const q of queryValues(text)) {
      const value = text.slice(q.start, q.end);
      if (this.sensitive.has(q.name) && !isRedactedAlready(value) && !isPlaceholderValue(value)) {
        spans.push({ start: q.start, end: q.end, entity: KEY_RULE_ENTITY });
        continue;
      }
      const decoded = decodeQueryPart(value);
      if (decoded === value) continue; // plain values were scanned with the text
      const inner = this.analyse(decoded, depth + 1);
      if (inner.found.length) spans.push({ start: q.start, end: q.end, entity: inner.found[0]!.entity });
    }
    // A table is a header line and rows: a text of one line has none.
    const tables = (features.mask & TABLE) !== 0 && text.includes("\n");
    if (tables) for (const c of columnCells(text, PHONE_COLUMN, PHONE_HEADER)) {
      const digits = text.slice(c.start, c.end).replace(/[^0-9]/g, "").length;
      if (digits >= 7 && digits <= 15) spans.push({ start: c.start, end: c.end, entity: "PHONE" });
    }
    if (tables) for (const c of columnCells(text, CARD_COLUMN, CARD_HEADER)) {
      const cell = text.slice(c.start, c.end);
      if (/^[0-9 .-]{13,23}$/.test(cell) && isPaymentCard(cell)) spans.push({ start: c.start, end: c.end, entity: "CREDIT_CARD" });
    }
    if (features.longestRun >= 12) for (const b of base64Texts(text, features.runs)) {
      const inner = this.analyse(b.decoded, depth + 1);
      if (inner.found.length) spans.push({ start: b.start, end: b.end, entity: inner.found[0]!.entity });
    }
    return spans;
  }

  private allowed(value: string): boolean {
    for (const a of this.allow) if (typeof a === "string" ? a === value : a.test(value)) return true;
    return false;
  }
}

/** What keyRule returns when the operator drops the field. */
const DROPPED = Symbol("dropped");

/** A value a previous pass (or the user) already replaced: leave it, do not count it twice. */
function isRedactedAlready(v: unknown): boolean {
  return typeof v === "string" && /^(?:\[[A-Z][A-Z0-9_]*\]|<[A-Z][A-Z0-9_]*:[^>]+>)$/.test(v);
}

/** `createRedactor(options)`: usable on its own, and what the trail runs on every event. */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  return new RedactorImpl(options);
}
