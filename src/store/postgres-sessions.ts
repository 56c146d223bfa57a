/**
 * The viewer's session list in PostgreSQL, in two steps so that only one page is ever detailed:
 * first each live session's last activity (a GROUP BY the (session_id, ts) index can answer),
 * ordered and cut to the page in SQL; then the page's sessions in full (counts, tokens, cost,
 * errors, user, first input) from the session index. A text search needs every session's inputs,
 * so it fetches those for all candidate sessions and matches in Node: lower-casing and the
 * search's exact rules (session-rows.ts) are JavaScript's, which SQL's ILIKE does not share.
 */
import type { PgPoolLike } from "./pg-pool-like.js";
import type { HotField } from "./postgres-hot-fields.js";
import { where } from "./postgres-where.js";
import { NO_SESSION, PREVIEW_CHARS, finishRow, inputText, matchesText, newestFirst } from "./session-rows.js";
import type { SessionQuery, SessionRow, SessionsAnswer } from "./types.js";

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const SID = `coalesce(session_id, '${NO_SESSION}')`;
/** JavaScript's truthiness of a JSON value, for `data.propagated`. */
const truthy = (x: string) =>
  `coalesce(CASE jsonb_typeof(${x}) WHEN 'boolean' THEN ${x} = 'true'::jsonb WHEN 'number' THEN ${x} <> '0'::jsonb WHEN 'string' THEN ${x} <> '""'::jsonb WHEN 'object' THEN true WHEN 'array' THEN true ELSE false END, false)`;
/** An error counted where it happened, not again where it surfaced (session-rows.ts countsAsError). */
const IS_ERROR = `(level = 'error' AND log_type <> 'output' AND NOT ${truthy("data->'propagated'")})`;
const FIRST_USER = `(array_agg(user_id ORDER BY ts, seq, id) FILTER (WHERE user_id <> ''))[1]`;

interface Candidate {
  sid: string;
  end: string;
}

export async function sessionsPage(db: PgPoolLike, table: string, f: (name: HotField) => string, q: SessionQuery): Promise<SessionsAnswer> {
  const w = where({ userId: q.userId, since: q.since, until: q.until }, ["erased IS NULL"]);
  const lastActivity = `to_char(date_trunc('milliseconds', max(ts)) AT TIME ZONE 'UTC', ${ISO})`;
  let page: Candidate[];
  let more: boolean;
  let total: number;
  if (q.text) {
    const { rows } = await db.query(
      `SELECT ${SID} AS sid, ${lastActivity} AS end, ${FIRST_USER} AS user_id,
              jsonb_agg(data->'content' ORDER BY ts, seq, id) FILTER (WHERE log_type = 'input') AS inputs
       FROM ${table} ${w.sql} GROUP BY 1 ${q.errorsOnly ? `HAVING count(*) FILTER (WHERE ${IS_ERROR}) > 0` : ""}`,
      w.params,
    );
    const text = q.text;
    const matching = (rows as Array<Candidate & { user_id: string | null; inputs: unknown[] | null }>)
      .filter((r) => matchesText(r.sid, r.user_id ?? undefined, (r.inputs ?? []).map(inputText), text))
      .map((r) => ({ sid: r.sid, end: r.end, session_id: r.sid }))
      .sort(newestFirst);
    const after = q.after;
    const from = after ? matching.findIndex((r) => newestFirst(r, { end: after.end, session_id: after.id }) > 0) : 0;
    const start = from < 0 ? matching.length : from;
    page = matching.slice(start, start + q.limit);
    more = start + q.limit < matching.length;
    total = matching.length;
  } else {
    const params = [...w.params];
    const cursor = q.after ? afterCursor(q.after, params) : "";
    // Grouped by the raw column first, so PostgreSQL can stream the (session_id, ts) index in its
    // order; the few groups are then merged into the viewer's ids (NULL joins "(no session)").
    const perSession = q.errorsOnly
      ? `SELECT session_id, max(ts) AS last, count(*) FILTER (WHERE ${IS_ERROR}) AS errors FROM ${table} ${w.sql} GROUP BY session_id`
      : `SELECT session_id, max(ts) AS last FROM ${table} ${w.sql} GROUP BY session_id`;
    // One row whatever the page holds: the count over all pages, and the page (one more, to know if others follow).
    const { rows } = await db.query(
      `WITH per AS (${perSession}),
            g AS (SELECT ${SID} AS sid, date_trunc('milliseconds', max(last)) AS last FROM per GROUP BY 1 ${q.errorsOnly ? "HAVING sum(errors) > 0" : ""})
       SELECT (SELECT count(*) FROM g)::int AS total,
              (SELECT coalesce(json_agg(json_build_object('sid', p.sid, 'end', to_char(p.last AT TIME ZONE 'UTC', ${ISO})) ORDER BY p.last DESC, p.sid COLLATE "C"), '[]')
                 FROM (SELECT sid, last FROM g ${cursor} ORDER BY last DESC, sid COLLATE "C" LIMIT ${q.limit + 1}) p) AS page`,
      params,
    );
    const all = rows[0].page as Candidate[];
    page = all.slice(0, q.limit);
    more = all.length > q.limit;
    total = rows[0].total;
  }
  return { sessions: await detail(db, table, f, q, page), more, total };
}

/**
 * The rows after a cursor, compared as the scan compares them: the ISO text of the last activity,
 * then the id, byte for byte (a cursor is any client's text; it must not fail a cast). PostgreSQL
 * text holds no NUL, so a cursor's NUL is resolved here: no stored value equals "p\0…", and
 * those after it are exactly those after p (an id) or from p on (an end, which comes first).
 */
function afterCursor(after: { end: string; id: string }, params: unknown[]): string {
  const end = `to_char(last AT TIME ZONE 'UTC', ${ISO}) COLLATE "C"`;
  const [endText, ...endRest] = after.end.split("\u0000");
  if (endRest.length) return `WHERE ${end} <= $${params.push(endText)}`;
  const id = after.id.split("\u0000")[0];
  return `WHERE ${end} < $${params.push(after.end)} OR (${end} = $${params.length} AND sid > $${params.push(id)} COLLATE "C")`;
}

/** The full rows of the page's sessions, in the page's order. */
async function detail(db: PgPoolLike, table: string, f: (name: HotField) => string, q: SessionQuery, page: readonly Candidate[]): Promise<SessionRow[]> {
  if (!page.length) return [];
  const w = where({ userId: q.userId, since: q.since, until: q.until }, ["erased IS NULL"]);
  const ids = page.map((c) => c.sid);
  const inPage = `(session_id = ANY($${w.params.push(ids)}) OR (session_id IS NULL AND $${w.params.push(ids.includes(NO_SESSION))}))`;
  const { rows } = await db.query(
    `SELECT ${SID} AS sid, to_char(min(ts) AT TIME ZONE 'UTC', ${ISO}) AS start, to_char(max(ts) AT TIME ZONE 'UTC', ${ISO}) AS end,
            (count(*) FILTER (WHERE log_type = 'input'))::int AS runs,
            (count(*) FILTER (WHERE log_type = 'llm_end'))::int AS model_calls,
            (count(*) FILTER (WHERE log_type IN ('tool_end', 'tool_error')))::int AS tool_calls,
            coalesce(sum(${f("total_tokens")}) FILTER (WHERE log_type = 'llm_end'), 0)::float8 AS tokens,
            coalesce(sum(${f("cost_usd")}::float8) FILTER (WHERE log_type = 'llm_end'), 0) AS cost,
            (count(*) FILTER (WHERE ${IS_ERROR}))::int AS errors,
            ${FIRST_USER} AS user_id,
            (array_agg(data->'content' ORDER BY ts, seq, id) FILTER (WHERE log_type = 'input'))[1] AS first_input
     FROM ${table} ${w.sql} AND ${inPage} GROUP BY 1`,
    w.params,
  );
  const bySid = new Map(rows.map((r) => [r.sid as string, r]));
  return page.flatMap((c) => {
    const r = bySid.get(c.sid);
    if (!r) return []; // purged or erased between the two steps
    return [
      finishRow({
        session_id: r.sid,
        user_id: r.user_id ?? undefined,
        start: r.start,
        end: r.end,
        runs: r.runs,
        model_calls: r.model_calls,
        tool_calls: r.tool_calls,
        tokens: r.tokens,
        cost: r.cost,
        errors: r.errors,
        preview: r.runs > 0 ? inputText(r.first_input).slice(0, PREVIEW_CHARS) : undefined,
      }),
    ];
  });
}
