/** SQL text for the index's DuckDB queries: literals and an event filter as a WHERE clause. */
import type { EventFilter } from "../store/types.js";

export const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The filter as `WHERE …` over the index's columns, or "" when it filters nothing. */
export function where(f: EventFilter): string {
  const c: string[] = [];
  if (f.sessionId !== undefined) c.push(`session_id = ${lit(f.sessionId)}`);
  if (f.userId !== undefined) c.push(`user_id = ${lit(f.userId)}`);
  if (f.since) c.push(`ts >= ${lit(f.since.toISOString())}`);
  if (f.until) c.push(`ts < ${lit(f.until.toISOString())}`);
  if (f.types?.length) c.push(`type IN (${f.types.map(lit).join(", ")})`);
  if (f.levels?.length) c.push(`level IN (${f.levels.map(lit).join(", ")})`);
  return c.length ? `WHERE ${c.join(" AND ")}` : "";
}
