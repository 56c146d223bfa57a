/**
 * Turning "a probe is in there" into something a reader can act on: for JSON, the path of the value
 * (or key) that holds it, looking into JSON inside strings too (`{}` in a path), so a leak names
 * the `p_<place>` and `via_<channel>` it was planted under; for anything else, the line and the
 * text around it. Array indices read `*` and request numbers are dropped, so one leak repeated in
 * a hundred events or requests is listed once.
 */
import { findNeedles, type Hit, type Needle } from "./probes.js";

/** One place the test reads: a file, a request body, a database row, a command's output. */
export interface Doc {
  where: string;
  text: string;
}

/** At most this many leaks are listed per location: the first ones say enough. */
const MAX_LISTED = 80;

/** The leaks in `docs` (those `keep` accepts), each once, sorted. */
export function leaksIn(docs: readonly Doc[], list: readonly Needle[], keep: (leak: string) => boolean = () => true): string[] {
  const out = new Set<string>();
  for (const doc of docs) {
    if (findNeedles(doc.text, list).length === 0) continue; // the common case, at full speed
    const where = doc.where.replace(/ #\d+$/, "");
    for (const line of doc.text.split("\n")) {
      const hits = findNeedles(line, list);
      if (!hits.length) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        for (const h of strongest(hits)) out.add(`${where} ${label(h.needle)}: …${around(line, h)}…`);
        continue;
      }
      for (const found of pathsOf(parsed, list, [])) out.add(`${where} ${found}`);
    }
  }
  return [...out].filter(keep).sort().slice(0, MAX_LISTED);
}

/** One hit per probe: the first form found, in the order `needles()` lists them (raw first). */
function strongest(hits: Hit[]): Hit[] {
  const seen = new Set<string>();
  return hits.filter((h) => !seen.has(h.needle.probe) && seen.add(h.needle.probe));
}

function label(n: Needle): string {
  return `[${n.probe} ${n.form}]`;
}

function around(text: string, h: Hit, width = 40): string {
  return text.slice(Math.max(0, h.index - width), h.index + h.needle.text.length + width).replace(/\s+/g, " ");
}

/** JSON inside a string, when the string is an object or array in JSON; else undefined. */
function innerJson(s: string): object | undefined {
  const t = s.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === "object" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The path of every string and key of a JSON value that holds a needle. */
function pathsOf(value: unknown, list: readonly Needle[], path: string[]): string[] {
  const at = () => path.join(".").replace(/\.\{\}/g, "{}") || "(value)";
  if (typeof value === "string") {
    const hits = findNeedles(value, list);
    if (!hits.length) return [];
    const inner = innerJson(value);
    if (inner) {
      path.push("{}");
      const found = pathsOf(inner, list, path);
      path.pop();
      if (found.length) return found;
    }
    return strongest(hits).map((h) => `${at()} ${label(h.needle)}: …${around(value, h, 30)}…`);
  }
  if (value === null || typeof value !== "object") return [];
  const found: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    for (const h of strongest(findNeedles(key, list))) found.push(`${at()} key ${label(h.needle)}: ${key.slice(0, 80)}`);
    path.push(Array.isArray(value) ? "*" : key);
    found.push(...pathsOf(v, list, path));
    path.pop();
  }
  return found;
}
