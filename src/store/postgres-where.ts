/** A filter as SQL, shared by the store's queries. */
import type { EventFilter } from "./types.js";

/** WHERE clause and parameters for a filter. */
export function where(f: EventFilter, extra: string[] = []): { sql: string; params: unknown[] } {
  const clauses = [...extra];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.sessionId !== undefined) clauses.push(`session_id = ${p(f.sessionId)}`);
  if (f.userId !== undefined) clauses.push(`user_id = ${p(f.userId)}`);
  if (f.since) clauses.push(`ts >= ${p(f.since.toISOString())}`);
  if (f.until) clauses.push(`ts < ${p(f.until.toISOString())}`);
  if (f.types?.length) clauses.push(`log_type = ANY(${p(f.types)})`);
  if (f.levels?.length) clauses.push(`level = ANY(${p(f.levels)})`);
  return { sql: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}
