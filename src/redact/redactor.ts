/**
 * The redactor: one walk over a JSON value (or a whole unsealed event) that replaces every
 * detected value and reports what it replaced — path, entity, count — never the value itself.
 *
 * The walk copies only what changes: a clean event comes back as the same objects, so the common
 * case allocates nothing.
 */
import type { Redaction, UnsealedEvent } from "../events/schema.js";
import { failConfig, parseOptions } from "../pipeline/options.js";
import { BUILTIN_DETECTORS, BUILTIN_ENTITIES } from "./detectors.js";
import { SensitiveKeys } from "./keys.js";
import { applyOperator, parseHashKey, parseKey, type Operator, type OperatorKeys } from "./operators.js";
import { redactionOptionsSchema, type RedactionOptions } from "./options.js";
import { Scanner, type CustomDetector } from "./scanner.js";

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

interface ScanResult {
  out: string;
  entities: readonly string[];
}
const NONE: readonly string[] = [];
/** Shorter texts are rescanned: hashing and storing them costs about as much as scanning them. */
const CACHE_MIN_CHARS = 256;
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
    // The SECRET detectors name several entities (vendor formats, PASSWORD); the scanner filters them.
    const builtins = BUILTIN_DETECTORS.filter((d) => enabled.has(d.entity) || d.entity === "SECRET");
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
    const out = this.walk(value, [], tally) as T;
    return { value: out, redactions: tally.list() };
  }

  redactText(text: string): string {
    return this.text(text, [], new Tally());
  }

  redactEvent(event: UnsealedEvent): UnsealedEvent {
    const tally = new Tally();
    const name = event.name !== undefined ? this.text(event.name, ["name"], tally) : undefined;
    const tags = event.tags !== undefined ? (this.memoized(event.tags, "tags", tally) as string[]) : undefined;
    const metadata = event.metadata !== undefined ? (this.memoized(event.metadata, "metadata", tally) as Record<string, unknown>) : undefined;
    const data = this.walk(event.data, ["data"], tally) as Record<string, unknown>;
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
      hit = { value: this.walk(value, [root], own), redactions: own.list() };
      this.memo.set(value, hit);
    }
    for (const r of hit.redactions) for (let i = 0; i < r.count; i++) tally.add(r.path, r.entity);
    return hit.value;
  }

  private walk(value: unknown, path: string[], tally: Tally): unknown {
    if (typeof value === "string") return this.text(value, path, tally);
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        const v = this.walk(value[i], path, tally);
        path.pop();
        if (v !== value[i]) (copy ??= value.slice())[i] = v;
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const obj = value as Record<string, unknown>;
    let used: Set<string> | undefined;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      // A key can hold personal data too (a map keyed by e-mail address). It is redacted first, so
      // the path of anything below it, in `redactions`, never holds the original; two keys that
      // redact alike keep both values (`[EMAIL]`, `[EMAIL]#2`).
      let newKey = key.length >= 6 ? this.text(key, path, tally) : key;
      if (newKey !== key) {
        used ??= new Set(Object.keys(obj));
        const base = newKey;
        for (let n = 2; used.has(newKey); n++) newKey = `${base}#${n}`;
        used.add(newKey);
      }
      path.push(newKey);
      let next: unknown;
      if (v !== null && v !== undefined && v !== "" && this.sensitive.has(key) && !isRedactedAlready(v)) {
        const op = this.operatorFor(KEY_RULE_ENTITY);
        tally.add(path.join("."), KEY_RULE_ENTITY);
        if (op === "drop") {
          copy ??= { ...obj };
          delete copy[key];
          path.pop();
          continue;
        }
        next = applyOperator(op, KEY_RULE_ENTITY, typeof v === "string" ? v : JSON.stringify(v), this.keys);
      } else {
        next = this.walk(v, path, tally);
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

  private text(text: string, path: string[], tally: Tally): string {
    if (text.length < 3) return text;
    // A run repeats its strings in many events (the user's message is in the root's inputs, the
    // input event and every model call's messages), so results are remembered by string.
    const cache = text.length >= CACHE_MIN_CHARS ? this.cache : undefined;
    let known = cache?.get(text);
    if (!known) {
      known = this.scanText(text);
      if (cache) {
        this.cachedChars += text.length;
        if (this.cachedChars > CACHE_CHARS) {
          cache.clear();
          this.cachedChars = text.length;
        }
        cache.set(text, known);
      }
    }
    if (known.entities.length) {
      const where = path.join(".");
      for (const entity of known.entities) tally.add(where, entity);
    }
    return known.out;
  }

  private scanText(text: string): ScanResult {
    const spans = this.scanner.scan(text);
    if (spans.length === 0) return { out: text, entities: NONE };
    let out = "";
    let at = 0;
    const entities: string[] = [];
    for (const s of spans) {
      const original = text.slice(s.start, s.end);
      if (this.allowed(original)) continue;
      out += text.slice(at, s.start) + applyOperator(this.operatorFor(s.entity), s.entity, original, this.keys);
      at = s.end;
      entities.push(s.entity);
    }
    return entities.length ? { out: out + text.slice(at), entities } : { out: text, entities: NONE };
  }

  private allowed(value: string): boolean {
    for (const a of this.allow) if (typeof a === "string" ? a === value : a.test(value)) return true;
    return false;
  }
}

/** A value a previous pass (or the user) already replaced: leave it, do not count it twice. */
function isRedactedAlready(v: unknown): boolean {
  return typeof v === "string" && /^(?:\[[A-Z][A-Z0-9_]*\]|<[A-Z][A-Z0-9_]*:[^>]+>)$/.test(v);
}

/** `createRedactor(options)`: usable on its own, and what the trail runs on every event. */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  return new RedactorImpl(options);
}
