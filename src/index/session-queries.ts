/**
 * The session lists over the columnar index, as SQL over its views (`ev`, `evo`, `sess`, `segs`;
 * see indexed-store.ts) plus the JavaScript that must decide what SQL would decide differently
 * (string order, lower-casing). `read` runs one query on an open index.
 */
import type { SessionSummary } from "../store/jsonl.js";
import { NO_SESSION, PREVIEW_CHARS, finishRow, matchesText, newestFirst, pageAfter } from "../store/session-rows.js";
import type { SessionQuery, SessionRow, SessionsAnswer } from "../store/types.js";
import { EVENT_KEY, IS_ERROR, SESSION_ID, cliSessionsSql, mergedRollupSql, rollupSql } from "./rollups.js";
import { lit, where } from "./sql.js";

export type Read = (sql: string) => Promise<unknown[][]>;

const KEY = EVENT_KEY;
const SID = SESSION_ID;
/** The user of the earliest event that names one (`user_id` truthy, as the scan reads it). */
const FIRST_USER = `first(user_id ORDER BY ${KEY}) FILTER (WHERE user_id <> '')`;

/**
 * The viewer's session list in two steps, under the rules of `store/session-rows.ts`: each
 * session's last activity (and errors, or first user and inputs for a search) from one GROUP BY,
 * ordered and cut to the page here (JavaScript's string order, as the scan sorts); then only the
 * page's sessions in full. The search matches in JavaScript too: SQL's lower() is not JS's.
 */
export async function viewerSessions(read: Read, q: SessionQuery, rollups: boolean): Promise<SessionsAnswer> {
  const filter = { userId: q.userId, since: q.since, until: q.until };
  const live = `${where(filter) ? `${where(filter)} AND` : "WHERE"} NOT erased`;
  const search = q.text;
  // Without a filter on the events, the rollups answer: a few rows per session, not every event.
  if (rollups && !search && !where(filter)) {
    const grouped = `SELECT sid, max(last_ts) AS e FROM sess GROUP BY sid ${q.errorsOnly ? "HAVING sum(errors) > 0" : ""}`;
    let candidates: unknown[][];
    let total: number | undefined;
    if (!q.after) {
      // The first page needs only the sessions whose last activity is at least the (limit+1)-th
      // latest: turning 50,000 rows into JavaScript values cost more than the grouping. Times
      // are ASCII, so SQL's order of them is JavaScript's; should one not be, all rows come.
      const [head] = await read(
        `WITH g AS (${grouped}) SELECT count(*), (SELECT e FROM g ORDER BY e DESC LIMIT 1 OFFSET ${q.limit}), NOT bool_or(regexp_matches(e, '[^\\x01-\\x7f]')) FROM g`,
      );
      const [count, threshold, ascii] = head!;
      total = Number(count);
      candidates = await read(`WITH g AS (${grouped}) SELECT sid, e FROM g ${threshold != null && ascii === true ? `WHERE e >= ${lit(String(threshold))}` : ""}`);
    } else {
      candidates = await read(grouped);
    }
    const sorted = candidates.map(([sid, end]) => ({ session_id: String(sid), end: String(end) })).sort(newestFirst);
    const { page, more: moreHere, total: totalHere } = pageAfter(sorted, q.limit, q.after);
    const more = total === undefined ? moreHere : q.limit < total;
    total ??= totalHere;
    const ids = page.map((p) => lit(p.session_id)).join(", ");
    const rows = page.length ? await read(mergedRollupSql("sess", `WHERE sid IN (${ids})`)) : [];
    return { sessions: inPageOrder(page, rows), more, total };
  }
  const candidates = await read(
    `SELECT ${SID} AS sid, max(ts)${search ? `, ${FIRST_USER}, to_json(list(content ORDER BY ${KEY}) FILTER (WHERE type = 'input'))` : ""}
     FROM ev ${live} GROUP BY sid ${q.errorsOnly ? `HAVING count(*) FILTER (WHERE ${IS_ERROR}) > 0` : ""}`,
  );
  const rows = candidates
    .filter(([sid, , user, inputs]) => !search || matchesText(String(sid), user == null ? undefined : String(user), inputs == null ? [] : (JSON.parse(String(inputs)) as string[]), search))
    .map(([sid, end]) => ({ session_id: String(sid), end: String(end) }))
    .sort(newestFirst);
  const { page, more, total } = pageAfter(rows, q.limit, q.after);
  return { sessions: page.length ? await detail(read, live, page) : [], more, total };
}

/** The full rows of the page's sessions from their events, in the page's order. */
async function detail(read: (sql: string) => Promise<unknown[][]>, live: string, page: ReadonlyArray<{ session_id: string }>): Promise<SessionRow[]> {
  const ids = page.map((p) => p.session_id);
  const inPage = `(session_id IN (${ids.map(lit).join(", ")})${ids.includes(NO_SESSION) ? " OR session_id IS NULL" : ""})`;
  const source = `(SELECT * FROM ev ${live} AND ${inPage})`;
  return inPageOrder(page, await read(mergedRollupSql(`(${rollupSql(source)})`)));
}

/** The CLI's session list, in the order and with the rows `listSessions` of store/jsonl.ts gives. */
export async function cliSessions(read: Read, rollups: boolean): Promise<SessionSummary[]> {
  const ord = "ord";
  const rows = await read(
    // The whole trail's sessions: from the rollups when they are there, else from every event.
    rollups
      ? cliSessionsSql("sess")
      : `SELECT coalesce(session_id, '(no session)') AS sid,
      arg_min(user_id, ${ord}) FILTER (WHERE user_id IS NOT NULL AND user_id <> ''),
      min(ts), max(ts), count(*),
      count(*) FILTER (WHERE type = 'output'),
      coalesce(sum(llm_calls) FILTER (WHERE type = 'output'), 0),
      coalesce(sum(tool_calls) FILTER (WHERE type = 'output'), 0),
      coalesce(sum(errors) FILTER (WHERE type = 'output'), 0),
      coalesce(sum(total_tokens) FILTER (WHERE type = 'output'), 0)
    FROM evo WHERE NOT erased GROUP BY sid ORDER BY min(${ord})`,
  );
  // In order of first appearance, as the scan meets them: its sort then breaks ties the same way.
  return rows
    .map(([sid, user, first, last, events, inv, llm, tools, errors, tokens]) => ({
      session_id: String(sid),
      first_ts: String(first),
      last_ts: String(last),
      events: Number(events),
      invocations: Number(inv),
      llm_calls: Number(llm),
      tool_calls: Number(tools),
      errors: Number(errors),
      total_tokens: Number(tokens),
      ...(user ? { user_id: String(user) } : {}),
    }))
    .sort((a, b) => (a.last_ts < b.last_ts ? 1 : -1));
}

/** Rows of `mergedRollupSql` as session rows, in the page's order (a session gone meanwhile is left out). */
function inPageOrder(page: ReadonlyArray<{ session_id: string }>, rows: unknown[][]): SessionRow[] {
  const bySid = new Map(rows.map((r) => [String(r[0]), r]));
  return page.flatMap(({ session_id }) => {
    const r = bySid.get(session_id);
    if (!r) return [];
    const [, start, end, runs, model_calls, tool_calls, tokens, cost, errors, user, first] = r;
    return [
      finishRow({
        session_id,
        user_id: user == null ? undefined : String(user),
        start: String(start),
        end: String(end),
        runs: Number(runs),
        model_calls: Number(model_calls),
        tool_calls: Number(tool_calls),
        tokens: Number(tokens),
        cost: Number(cost),
        errors: Number(errors),
        preview: first == null ? undefined : String(first).slice(0, PREVIEW_CHARS),
      }),
    ];
  });
}
