/**
 * The API's query parameters, checked strictly: a value that makes no sense is a 400 naming the
 * parameter, never a silent default and never an exception from deep inside a store.
 */
export class BadParam extends Error {}

const MAX_TEXT = 1000;
// ISO 8601 only: Date.parse accepts much else ("1", "March 7"), differently per engine.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A whole number in 1..max, or the default when absent. */
export function limitParam(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get("limit");
  if (raw === null) return fallback;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= max)) throw new BadParam(`limit must be a whole number from 1 to ${max}`);
  return n;
}

/** A date (2024-05-01) or date-time; a time without an offset is UTC, as everywhere in the trail. */
export function dateParam(query: URLSearchParams, name: string): Date | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const bad = new BadParam(`${name} must be an ISO 8601 date, e.g. 2024-05-01 or 2024-05-01T12:00:00Z`);
  const m = ISO_DATE.exec(raw);
  if (!m) throw bad;
  const offset = m[1];
  const ms = Date.parse(raw.includes("T") && !offset ? `${raw}Z` : raw);
  if (Number.isNaN(ms)) throw bad;
  // Date.parse rolls 2024-02-31 over to March 2: in UTC a date must read back as written.
  if ((!offset || offset === "Z") && new Date(ms).toISOString().slice(0, 10) !== raw.slice(0, 10)) throw bad;
  return new Date(ms);
}

/** "1" on, "0" or absent off. */
export function flagParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === "" || raw === "0") return false;
  if (raw === "1") return true;
  throw new BadParam(`${name} must be 1 or 0`);
}

export function textParam(query: URLSearchParams, name: string): string | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  if (raw.length > MAX_TEXT) throw new BadParam(`${name} is longer than ${MAX_TEXT} characters`);
  return raw;
}
