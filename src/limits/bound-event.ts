/**
 * Bounding: the last step before sealing makes every event fit the trail's limits, whatever
 * produced it (the handler, the middleware, a manual `record()`), on every field: identifiers,
 * `name`, `tags`, `metadata` and `data` of every type, object keys included.
 *
 * It runs after redaction, so a secret that straddles a cut is still seen whole and removed. To keep
 * redaction cheap on pathological input, capture already shortens giant strings, but only to a
 * generous length (`captureStringLength`) and with its own mark; this pass turns that mark into the
 * final one and never keeps the last characters capture kept, where a secret may have been split.
 *
 * Every cut is visible twice: in the value (`…[truncated 4,967,232 chars]`) and in the event's
 * `truncated` list of paths. A clean event comes back as the same object.
 */
import type { UnsealedEvent } from "../events/schema.js";
import { isCaptureMark, omittedValue, parseCaptureCut, truncatedTail } from "./markers.js";
import { LONG_STRING, longJsonStringBytes } from "../shared/json-strings.js";

export interface EventLimits {
  /** Longest string kept, in characters. */
  maxStringLength: number;
  /** Deepest nesting kept (applied by capture's serializer). */
  maxDepth: number;
  /** Most array items / object keys kept (applied by capture's serializer). */
  maxItems: number;
  /** Largest event, in bytes of JSON. */
  maxEventBytes: number;
}

/** Longest object key kept; a longer one is cut (and told apart from its neighbours). */
export const MAX_KEY_LENGTH = 1024;
/** Paths listed in `truncated`; beyond that the list ends with a count. */
const MAX_LISTED = 32;
const MAX_PATH_LENGTH = 128;
/** Room kept for the envelope (ids, time, hashes) and the `truncated` list. */
const ENVELOPE_RESERVE = 1024 + MAX_LISTED * (MAX_PATH_LENGTH + 4);
/** What an identifier keeps when nothing else could make the event fit. */
const HARD_IDENTIFIER_LENGTH = 256;
/** Redaction reports beyond this many entries are summed up per entity. */
const MAX_REDACTION_ENTRIES = 200;

/**
 * Of a string capture cut, the redacted text's last characters are never kept: a secret capture
 * split there may have gone undetected. Far longer than any credential or key block (a PEM RSA-4096
 * private key is about 3.3 KB).
 */
const CAPTURE_CUT_GUARD = 16 * 1024;

/**
 * How long a string capture keeps, before redaction: long enough that redaction sees whole any
 * secret that straddles the final cut, and short enough that redaction (which runs on the agent's
 * thread) never scans much more than the limit itself.
 */
export function captureStringLength(maxStringLength: number): number {
  return maxStringLength + 2 * CAPTURE_CUT_GUARD;
}

const IDENTIFIERS = ["session_id", "user_id", "trace_id", "run_id", "parent_run_id", "name"] as const;

/** Applies every limit to one (redacted) event. Never throws on any JSON content. */
export function boundEvent(event: UnsealedEvent, limits: EventLimits): UnsealedEvent {
  const cutter = new Cutter(limits.maxStringLength);
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const field of IDENTIFIERS) {
    const v = event[field];
    if (typeof v !== "string") continue;
    const bounded = cutter.visit(v, [field]);
    if (bounded !== v) {
      out[field] = bounded;
      changed = true;
    }
  }
  let tags = event.tags;
  if (tags !== undefined) {
    const bounded = cutter.visit(tags.length > limits.maxItems ? [...tags.slice(0, limits.maxItems), `[Truncated: ${tags.length - limits.maxItems} more items]`] : tags, ["tags"]);
    if (bounded !== tags) {
      tags = bounded as string[];
      changed = true;
    }
  }
  let metadata = event.metadata;
  if (metadata !== undefined) {
    const bounded = cutter.visit(metadata, ["metadata"]) as Record<string, unknown>;
    if (bounded !== metadata) {
      metadata = bounded;
      changed = true;
    }
  }
  let data = cutter.visit(event.data, ["data"]) as Record<string, unknown>;
  if (data !== event.data) changed = true;
  let redactions = event.redactions;
  if (redactions && (redactions.length > MAX_REDACTION_ENTRIES || redactions.some((r) => r.path.length > MAX_PATH_LENGTH))) {
    redactions = redactions.length > MAX_REDACTION_ENTRIES ? summariseRedactions(redactions) : redactions.map((r) => (r.path.length > MAX_PATH_LENGTH ? { ...r, path: `${r.path.slice(0, MAX_PATH_LENGTH)}…` } : r));
    changed = true;
  }
  const redactionChars = redactions ? redactions.reduce((n, r) => n + r.path.length + r.entity.length + 40, 0) : 0;

  // Only an event that might be large is measured exactly: JSON escapes are at most 6 bytes a char,
  // and the walk's own upper bound (every long string sized once, by value) settles most of the rest.
  if (cutter.size + redactionChars > limits.maxEventBytes / 6 && cutter.bytesAtMost + redactionChars * 12 + OTHER_FIELDS_BYTES > limits.maxEventBytes - ENVELOPE_RESERVE) {
    const budget = limits.maxEventBytes - ENVELOPE_RESERVE - (redactions ? jsonBytes(redactions) : 0);
    const content = () => ({ ...event, ...out, tags, metadata, data });
    let excess = jsonBytes(content()) - budget;
    if (excess > 0) {
      changed = true;
      // 1. Shorten the longest strings of data and metadata to a common length.
      const cap = commonCap([data, metadata], excess, limits.maxStringLength);
      if (cap !== undefined) {
        const shorter = new Cutter(cap, cutter.cuts);
        data = shorter.visit(data, ["data"]) as Record<string, unknown>;
        if (metadata) metadata = shorter.visit(metadata, ["metadata"]) as Record<string, unknown>;
        excess = jsonBytes(content()) - budget;
      }
      // 2. Still too big (structure rather than text): drop the largest values whole.
      if (excess > 0) {
        ({ value: data, excess } = dropLargest(data, excess, "data", cutter.cuts));
      }
      if (excess > 0 && metadata) {
        cutter.cuts.push("metadata");
        excess -= jsonBytes(metadata);
        metadata = { "…": omittedValue(jsonBytes(metadata)) };
      }
      if (excess > 0 && tags) {
        cutter.cuts.push("tags");
        excess -= jsonBytes(tags);
        tags = undefined;
      }
      // 3. Still too big: long keys, identifiers full of escapes. Keep the envelope, say what was lost.
      if (excess > 0) {
        for (const field of IDENTIFIERS) {
          const v = (out[field] ?? event[field]) as string | undefined;
          if (v !== undefined && v.length > HARD_IDENTIFIER_LENGTH) {
            out[field] = cutText(v, HARD_IDENTIFIER_LENGTH, v.length);
            cutter.cuts.push(field);
          }
        }
        if (redactions && redactions.length > 1) redactions = summariseRedactions(redactions);
        // The whole of data goes: one path says so better than a thousand.
        const kept = cutter.cuts.filter((c) => !c.startsWith("data.") && !c.startsWith("metadata."));
        cutter.cuts.length = 0;
        cutter.cuts.push(...kept, "data", ...(metadata ? ["metadata"] : []));
        data = { "…": omittedValue(jsonBytes(data)) };
        if (metadata) metadata = { "…": omittedValue(jsonBytes(metadata)) };
      }
    }
  }
  if (!changed && cutter.cuts.length === 0) return event;
  const bounded: UnsealedEvent = { ...event, ...out, data };
  if (tags !== undefined) bounded.tags = tags;
  else delete bounded.tags;
  if (metadata !== undefined) bounded.metadata = metadata;
  if (redactions !== undefined) bounded.redactions = redactions;
  if (cutter.cuts.length) bounded.truncated = listCuts(cutter.cuts);
  return bounded;
}

/**
 * Room for what the walk does not see (the names of the top-level fields, type, level, status,
 * duration, time): far more than they take. Redactions are counted twice, as the exact check does.
 */
const OTHER_FIELDS_BYTES = 512;

/** An upper bound of a string's JSON size in bytes: exact for long strings, 6 a char for short ones. */
function stringBytesAtMost(s: string): number {
  return s.length < LONG_STRING ? 6 * s.length + 2 : longJsonStringBytes(s);
}

/** One walk of a JSON value: cuts long strings and keys (copying only what changes) and sizes it. */
class Cutter {
  /** Approximate JSON size seen, in characters. */
  size = 0;
  /** An upper bound of the JSON size seen, in bytes (before any cut this walk makes). */
  bytesAtMost = 0;

  constructor(
    private readonly maxString: number,
    readonly cuts: string[] = [],
  ) {}

  visit(value: unknown, path: string[]): unknown {
    if (typeof value === "string") return this.text(value, path);
    if (value === null || typeof value !== "object") {
      this.size += 8;
      this.bytesAtMost += 25; // the longest number JSON writes (-1.2345678901234567e-308) and a comma
      return value;
    }
    this.size += 2;
    this.bytesAtMost += 3; // brackets and a comma
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        const v = this.visit(value[i], path);
        path.pop();
        if (v !== value[i]) (copy ??= value.slice())[i] = v;
      }
      return copy ?? value;
    }
    const obj = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      this.size += key.length + 4;
      this.bytesAtMost += stringBytesAtMost(key) + 2;
      path.push(key);
      const next = this.visit(v, path);
      let newKey = key;
      if (key.length > MAX_KEY_LENGTH) {
        this.cuts.push(pathText(path));
        newKey = cutText(key, MAX_KEY_LENGTH, key.length);
        // Two long keys that share their start must not overwrite each other.
        for (let n = 2; newKey in obj || (copy && newKey in copy); n++) newKey = `${cutText(key, MAX_KEY_LENGTH, key.length)}#${n}`;
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

  private text(s: string, path: string[]): string {
    this.size += s.length + 3;
    this.bytesAtMost += stringBytesAtMost(s) + 1;
    if (s.length && s.charCodeAt(s.length - 1) === 93 /* ] */) {
      const captured = parseCaptureCut(s);
      if (captured) {
        this.cuts.push(pathText(path));
        const keep = Math.min(this.maxString, Math.max(0, captured.kept.length - CAPTURE_CUT_GUARD));
        return cutText(captured.kept, keep, captured.kept.length + captured.omitted);
      }
    }
    if (s.length > this.maxString) {
      this.cuts.push(pathText(path));
      return cutText(s, this.maxString, s.length);
    }
    if (s.charCodeAt(0) === 91 /* [ */ && isCaptureMark(s)) this.cuts.push(pathText(path));
    return s;
  }
}

/** The first `keep` characters (never half a surrogate pair) and a mark for the rest of `total`. */
function cutText(s: string, keep: number, total: number): string {
  let n = Math.min(keep, s.length);
  const last = s.charCodeAt(n - 1);
  if (n > 0 && last >= 0xd800 && last <= 0xdbff) n--;
  return s.slice(0, n) + truncatedTail(total - n);
}

function pathText(path: readonly string[]): string {
  const text = path.join(".");
  return text.length > MAX_PATH_LENGTH ? `${text.slice(0, MAX_PATH_LENGTH)}…` : text;
}

function listCuts(cuts: readonly string[]): string[] {
  const unique = [...new Set(cuts)];
  if (unique.length <= MAX_LISTED) return unique;
  return [...unique.slice(0, MAX_LISTED - 1), `…and ${unique.length - MAX_LISTED + 1} more`];
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

/**
 * The largest string length that, applied to every string of `values`, saves `excess` bytes;
 * undefined when shortening strings cannot save enough.
 */
function commonCap(values: unknown[], excess: number, maxString: number): number | undefined {
  const lengths: number[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") lengths.push(Buffer.byteLength(v));
    else if (v && typeof v === "object") for (const x of Array.isArray(v) ? v : Object.values(v)) collect(x);
  };
  for (const v of values) collect(v);
  // The mark a cut adds costs about 30 bytes.
  const saved = (cap: number) => lengths.reduce((sum, len) => sum + Math.max(0, len - cap - 30), 0);
  let lo = 16;
  let hi = maxString;
  if (saved(lo) < excess) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (saved(mid) >= excess) lo = mid;
    else hi = mid - 1;
  }
  // Bytes and characters differ for non-ASCII text: aim a little lower.
  return Math.max(16, Math.floor(lo * 0.9));
}

/** Replaces the largest values of an object with a mark until `excess` bytes are saved. */
function dropLargest(obj: Record<string, unknown>, excess: number, root: string, cuts: string[]): { value: Record<string, unknown>; excess: number } {
  const sizes = Object.entries(obj)
    .map(([key, v]) => ({ key, bytes: jsonBytes(v) }))
    .sort((a, b) => b.bytes - a.bytes);
  const copy = { ...obj };
  for (const { key, bytes } of sizes) {
    if (excess <= 0) break;
    const mark = omittedValue(bytes);
    if (bytes <= mark.length) break; // the rest are smaller than the mark itself
    copy[key] = mark;
    cuts.push(pathText([root, key]));
    excess -= bytes - mark.length;
  }
  return { value: copy, excess };
}

/** Thousands of redaction entries (one per array item, say) become one per entity. */
function summariseRedactions(list: NonNullable<UnsealedEvent["redactions"]>): NonNullable<UnsealedEvent["redactions"]> {
  const byEntity = new Map<string, number>();
  for (const r of list) byEntity.set(r.entity, (byEntity.get(r.entity) ?? 0) + r.count);
  return [...byEntity].map(([entity, count]) => ({ path: "(many paths)", entity, count }));
}
