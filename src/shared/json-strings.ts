/**
 * Long strings as JSON, remembered by value. An agent run repeats its long texts event after event
 * (every model call's messages hold each earlier tool result), and both the size check (`limits/`)
 * and the canonical serialization the seal hashes (`integrity/`) need each one's JSON form. The
 * engine keeps a string's hash, so a repeat costs a lookup instead of an escape pass. Bounded:
 * the memory is cleared once it holds `CACHE_CHARS` characters of source strings.
 */

/** Strings shorter than this are cheaper to escape than to look up. */
export const LONG_STRING = 256;
const CACHE_CHARS = 16 * 1024 * 1024;

interface JsonString {
  json: string;
  /** UTF-8 bytes of `json`, computed on first use. */
  bytes: number;
}

const cache = new Map<string, JsonString>();
let cachedChars = 0;

function entry(s: string): JsonString {
  let e = cache.get(s);
  if (e === undefined) {
    e = { json: JSON.stringify(s), bytes: -1 };
    if (cachedChars + s.length > CACHE_CHARS) {
      cache.clear();
      cachedChars = 0;
    }
    cache.set(s, e);
    cachedChars += s.length;
  }
  return e;
}

/** `JSON.stringify(s)` for a string of at least `LONG_STRING` characters, remembered. */
export function longJsonString(s: string): string {
  return entry(s).json;
}

/** The UTF-8 size of `JSON.stringify(s)` for a string of at least `LONG_STRING` characters, remembered. */
export function longJsonStringBytes(s: string): number {
  const e = entry(s);
  if (e.bytes < 0) e.bytes = Buffer.byteLength(e.json);
  return e.bytes;
}
