/**
 * The JSONL trail read through its columnar index: the Parquet parts of compacted segments plus,
 * loaded into memory at open, the segments not compacted yet (today's, or ones that changed), so
 * every answer covers the whole trail and equals the streaming scan's (`JsonlStore`), which the
 * tests check method by method. Closed segments that are new or changed are compacted on open.
 * Without the engine, or when a part cannot be read, it answers with the scan instead.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { AuditEvent } from "../events/schema.js";
import { dropIndexParts, indexDir, partFile, readManifest, rollupFile, writeManifest, type RollupKind } from "../format/index-files.js";
import { listSegments, parseLine } from "../format/trail-format.js";
import { byDayThenUser, dayOf, markSpikes, round6 } from "../store/analytics.js";
import { JsonlStore } from "../store/jsonl-store.js";
import { byTime, listSessions, sessionEvents, type BadLine, type ReadOptions, type SessionSummary } from "../store/jsonl.js";
import { NO_SESSION, PREVIEW_CHARS, finishRow, matchesText, newestFirst, pageAfter } from "../store/session-rows.js";
import { sessionRows } from "../store/session-scan.js";
import type { AuditStore, DailyErrors, EventFilter, EventOrder, ModelDay, SessionQuery, SessionRow, SessionsAnswer, SpikeRule, ToolStat, UserDay } from "../store/types.js";
import { TABLE_COLUMNS, compactSegment, loadSegments, parquetList, segmentDay, today } from "./compact.js";
import { loadEngine, notice } from "./engine.js";
import { EVENT_KEY, IS_ERROR, ROLLUPS, SESSION_ID, USER_KEY, cliSessionsSql, mergedRollupSql, quantileOfCounts, rollupSql, writeRollups } from "./rollups.js";

export interface IndexOptions {
  /** Compact closed segments that are not indexed yet (default true). */
  compact?: boolean;
  onProgress?: (events: number) => void;
}

interface Open {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  /** Unreadable lines, in segment order: from the manifest for parts, found now for the tail. */
  bad: BadLine[];
  /** Queries running on it; a retired index (the trail changed) is closed when the last ends. */
  users: number;
  retired: boolean;
  closed: boolean;
  /** Whether the rollup views (`sess`, `facts`, `durs`: every part's plus the tail's) can answer unfiltered questions. */
  rollups: boolean;
}

/** DuckDB's memory limit for reading and compacting (see prepare()). */
const MEMORY_LIMIT = "400MB";

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const KEY = EVENT_KEY;
const SID = SESSION_ID;
/** The user of the earliest event that names one (`user_id` truthy, as the scan reads it). */
const FIRST_USER = `first(user_id ORDER BY ${KEY}) FILTER (WHERE user_id <> '')`;
const ORDER = "seg, line_no";

function where(f: EventFilter): string {
  const c: string[] = [];
  if (f.sessionId !== undefined) c.push(`session_id = ${lit(f.sessionId)}`);
  if (f.userId !== undefined) c.push(`user_id = ${lit(f.userId)}`);
  if (f.since) c.push(`ts >= ${lit(f.since.toISOString())}`);
  if (f.until) c.push(`ts < ${lit(f.until.toISOString())}`);
  if (f.types?.length) c.push(`type IN (${f.types.map(lit).join(", ")})`);
  if (f.levels?.length) c.push(`level IN (${f.levels.map(lit).join(", ")})`);
  return c.length ? `WHERE ${c.join(" AND ")}` : "";
}

export class IndexedStore implements AuditStore {
  private opening: Promise<Open | undefined> | undefined;
  private prepared = "";
  private readonly scan: JsonlStore;

  constructor(
    readonly dir: string,
    private readonly options: IndexOptions = {},
  ) {
    this.scan = new JsonlStore(dir, { onProgress: options.onProgress });
  }

  /**
   * The index as of now. A long-lived reader (the viewer) sees new events: when any segment was
   * added, grew or changed since the last preparation (a stat of each, no reading), it prepares
   * again, which reloads the tail and compacts what has closed meanwhile.
   */
  private async open(): Promise<Open | undefined> {
    const now = this.signature();
    if (this.opening && now !== this.prepared) {
      const old = this.opening;
      this.opening = undefined;
      await closeOpen(old);
    }
    this.prepared = now;
    return (this.opening ??= this.prepare());
  }

  private signature(): string {
    return listSegments(this.dir)
      .map((file) => {
        try {
          const st = statSync(file);
          return `${file}:${st.size}:${st.mtimeMs}`;
        } catch {
          return `${file}:gone`;
        }
      })
      .join("\n");
  }

  private async prepare(): Promise<Open | undefined> {
    const duckdb = await loadEngine();
    if (!duckdb) return undefined;
    // Bounded memory: compacting a day of 333k events took 1.6 GB unbounded and 0.7 GB with this
    // limit (DuckDB spills the sort to disk instead), and whole-trail queries stay well under it.
    // Spills go inside .index/ (the trail's own folder, the same protection as the parts).
    const instance = await duckdb.DuckDBInstance.create(":memory:", { memory_limit: MEMORY_LIMIT, temp_directory: join(indexDir(this.dir), "tmp") });
    const conn = await instance.connect();
    const manifest = readManifest(this.dir);
    const segments = listSegments(this.dir);
    const present = new Set(segments.map((s) => basename(s)));
    const parts: string[] = [];
    const tail: string[] = [];
    const bad: BadLine[] = [];
    let changed = false;
    // Parts of segments that are gone (deleted by hand): dropped, never read.
    const gone = Object.keys(manifest.segments).filter((name) => !present.has(name));
    if (gone.length) dropIndexParts(this.dir, gone), gone.forEach((g) => delete manifest.segments[g]);
    for (const file of segments) {
      const entry = manifest.segments[basename(file)];
      const st = statSync(file);
      if (entry && entry.size === st.size && entry.mtimeMs === st.mtimeMs && existsSync(partFile(this.dir, file))) {
        parts.push(partFile(this.dir, file));
        for (const b of entry.bad ?? []) bad.push({ file, ...b });
        continue;
      }
      if (this.options.compact !== false && segmentDay(file) < today()) {
        try {
          await compactSegment(conn, this.dir, file, manifest);
          parts.push(partFile(this.dir, file));
          for (const b of manifest.segments[basename(file)]?.bad ?? []) bad.push({ file, ...b });
          changed = true;
          continue;
        } catch {
          // a read-only trail, a full disk: this segment is read as it is
        }
      }
      tail.push(file);
    }
    if (changed) {
      try {
        writeManifest(this.dir, manifest);
      } catch {
        // not writable: the parts are used now and re-made next time
      }
    }
    await conn.run(`CREATE TEMP TABLE tail (${TABLE_COLUMNS})`);
    await loadSegments(conn, "tail", tail, (b) => bad.push(b));
    // Storage order as one number (segment rank, then line), for "first in storage order" aggregates.
    await conn.run("CREATE TEMP TABLE segs (seg VARCHAR, segno BIGINT)");
    const appender = await conn.createAppender("segs");
    segments.forEach((file, i) => (appender.appendVarchar(basename(file)), appender.appendBigInt(BigInt(i)), appender.endRow()));
    appender.closeSync();
    bad.sort((a, b) => (a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.line - b.line));
    if (parts.length) {
      // Each part must still hold what the manifest says; otherwise the index is not trusted. The
      // footers say it (no row is read): a third of the time of counting on a cold 10M index.
      const counts = await conn.runAndReadAll(`SELECT file_name, num_rows FROM parquet_file_metadata(${parquetList(parts)})`);
      const got = new Map(counts.getRows().map(([f, n]) => [String(f), Number(n)]));
      const bad = parts.filter((p) => got.get(p) !== manifest.segments[basename(p).replace(/\.parquet$/, "")]?.rows);
      if (bad.length) throw new Error(`index parts do not match the manifest: ${bad.map((b) => basename(b)).join(", ")}`);
      await conn.run(`CREATE TEMP VIEW ev AS SELECT * FROM read_parquet(${parquetList(parts)}) UNION ALL SELECT * FROM tail`);
    } else {
      await conn.run("CREATE TEMP VIEW ev AS SELECT * FROM tail");
    }
    await conn.run("CREATE TEMP VIEW evo AS SELECT ev.*, segs.segno * 4294967296 + ev.line_no AS ord FROM ev JOIN segs USING (seg)");
    const rollups = await this.prepareRollups(conn, parts);
    return { instance, conn, bad, users: 0, retired: false, closed: false, rollups };
  }

  /**
   * The rollup views (index/rollups.ts): each part's rollups (made from the part where missing: an
   * older index, a crash between the files) and the tail's, computed now. False when a rollup
   * cannot be had: every question then reads the events.
   */
  private async prepareRollups(conn: DuckDBConnection, parts: readonly string[]): Promise<boolean> {
    try {
      const segments = parts.map((part) => basename(part).replace(/\.parquet$/, ""));
      for (const [i, segment] of segments.entries()) {
        const missing = new Set<RollupKind>(ROLLUPS.filter((r) => !existsSync(rollupFile(this.dir, segment, r.kind))).map((r) => r.kind));
        if (missing.size) await writeRollups(conn, `read_parquet(${lit(parts[i]!)})`, this.dir, segment, missing);
      }
      for (const r of ROLLUPS) {
        const files = segments.map((s) => lit(rollupFile(this.dir, s, r.kind)));
        await conn.run(`CREATE TEMP VIEW ${r.view} AS ${files.length ? `SELECT * FROM read_parquet([${files.join(", ")}]) UNION ALL BY NAME ` : ""}${r.sql("tail")}`);
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Runs `run` against the index, or returns undefined (the caller scans) when the index cannot answer. */
  private async attempt<T>(run: (open: Open) => Promise<T>): Promise<T | undefined> {
    let open: Open | undefined;
    try {
      open = await this.open();
    } catch (err) {
      notice(`agent-audit: columnar index not usable (${(err as Error).message.split("\n")[0]}); reading with the streaming scan (agent-audit index --rebuild)`);
      return undefined;
    }
    if (!open) return undefined;
    open.users++;
    try {
      return await run(open);
    } catch (err) {
      notice(`agent-audit: columnar index not readable (${(err as Error).message.split("\n")[0]}); reading with the streaming scan (agent-audit index --rebuild)`);
      return undefined;
    } finally {
      release(open);
    }
  }

  private async rows(sql: string): Promise<unknown[][] | undefined> {
    return this.attempt(async (open) => (await open.conn.runAndReadAll(sql)).getRows() as unknown[][]);
  }

  async *events(filter: EventFilter = {}, options: EventOrder = {}): AsyncIterable<AuditEvent> {
    if (filter.sessionId !== undefined) {
      // One session: its few lines are read from the segments by offset, not decompressed from every part.
      const direct = await this.readByOffset(filter);
      if (direct) return yield* options.ordered === false ? direct : direct.sort(byTime);
    }
    const sql = `SELECT line FROM ev ${where(filter)} ORDER BY ${ORDER}`;
    // Held until the stream ends: a newer preparation must not close it under us.
    const started = await this.attempt(async (open) => ((open.users++), { open, result: await open.conn.stream(sql) }));
    if (!started) return yield* this.scan.events(filter, options);
    const { open, result } = started;
    const ordered: AuditEvent[] = [];
    try {
      // Storage order streams chunk by chunk; time order needs them all first, like the scan.
      for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        for (const [line] of chunk.getRows()) {
          const parsed = parseLine(line as string);
          if (!("event" in parsed)) continue;
          if (options.ordered === false) yield parsed.event;
          else ordered.push(parsed.event);
        }
      }
    } finally {
      release(open);
    }
    yield* ordered.sort(byTime);
  }

  private async readByOffset(filter: EventFilter): Promise<AuditEvent[] | undefined> {
    const rows = await this.rows(`SELECT seg, "offset", bytes, id FROM ev ${where(filter)} ORDER BY ${ORDER}`);
    if (!rows) return undefined;
    const events: AuditEvent[] = [];
    const fds = new Map<string, number>();
    try {
      for (const [seg, offset, bytes, id] of rows) {
        let fd = fds.get(String(seg));
        if (fd === undefined) fds.set(String(seg), (fd = openSync(join(this.dir, String(seg)), "r")));
        const buf = Buffer.alloc(Number(bytes));
        readSync(fd, buf, 0, buf.length, Number(offset));
        const parsed = parseLine(buf.toString("utf8"));
        // The segment changed under us (or had a \r\n): the stored lines answer instead.
        if (!("event" in parsed) || parsed.event.id !== id) return undefined;
        events.push(parsed.event);
      }
    } catch {
      return undefined;
    } finally {
      for (const fd of fds.values()) closeSync(fd);
    }
    return events;
  }

  /** Rows of the query `sql` picks: from the rollups when nothing is filtered and they are there, else from the events. */
  private async rowsOf(filter: EventFilter, sql: (fromRollups: boolean) => string): Promise<unknown[][] | undefined> {
    return this.attempt(async (open) => (await open.conn.runAndReadAll(sql(open.rollups && !where(filter)))).getRows() as unknown[][]);
  }

  async toolStats(filter: EventFilter = {}): Promise<ToolStat[]> {
    const f = { ...filter, types: ["tool_end", "tool_error"] };
    let histograms: Map<string, Array<[number, number]>> | undefined;
    const rows = await this.attempt(async (open) => {
      const read = async (sql: string) => (await open.conn.runAndReadAll(sql)).getRows() as unknown[][];
      if (!open.rollups || where(filter)) {
        return read(`SELECT coalesce(tool, name, 'unknown') AS t, count(*), count(*) FILTER (WHERE type = 'tool_error'), quantile_cont(duration_ms, 0.5), quantile_cont(duration_ms, 0.95) FROM ev ${where(f)} GROUP BY t`);
      }
      // Percentiles from how many calls took each duration: exact, from a few thousand rows.
      histograms = new Map();
      for (const [tool, ms, n] of await read("SELECT tool, duration_ms, sum(n) FROM durs GROUP BY ALL ORDER BY tool, duration_ms")) {
        const h = histograms.get(String(tool)) ?? [];
        h.push([Number(ms), Number(n)]);
        histograms.set(String(tool), h);
      }
      return read("SELECT subject, sum(n), coalesce(sum(n) FILTER (WHERE type = 'tool_error'), 0) FROM facts WHERE type IN ('tool_end', 'tool_error') GROUP BY subject");
    });
    if (!rows) return this.scan.toolStats(filter);
    const r3 = (x: unknown) => (x === null || x === undefined ? null : Math.round(Number(x) * 1000) / 1000);
    return rows
      .map(([tool, calls, errors, p50, p95]) => {
        const h = histograms?.get(String(tool));
        const [q50, q95] = histograms ? [h ? quantileOfCounts(h, 0.5) : null, h ? quantileOfCounts(h, 0.95) : null] : [r3(p50), r3(p95)];
        return { tool: String(tool), calls: Number(calls), errors: Number(errors), p50_ms: q50, p95_ms: q95 };
      })
      .sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : 1));
  }

  async errorRate(filter: EventFilter = {}): Promise<DailyErrors[]> {
    const rows = await this.rowsOf(filter, (rollups) =>
      rollups
        ? "SELECT substr(hour, 1, 10) AS day, sum(n), coalesce(sum(n) FILTER (WHERE level = 'error'), 0), coalesce(sum(n) FILTER (WHERE type = 'output'), 0), coalesce(sum(n) FILTER (WHERE type = 'output' AND status = 'error'), 0) FROM facts GROUP BY day"
        : `SELECT substr(ts, 1, 10) AS day, count(*), count(*) FILTER (WHERE level = 'error'), count(*) FILTER (WHERE type = 'output'), count(*) FILTER (WHERE type = 'output' AND status = 'error') FROM ev ${where(filter)} GROUP BY day`,
    );
    if (!rows) return this.scan.errorRate(filter);
    return rows
      .map(([day, events, errors, inv, failed]) => {
        const d = { day: String(day), events: Number(events), errors: Number(errors), invocations: Number(inv), failed_invocations: Number(failed), rate: 0 };
        return { ...d, rate: d.invocations ? round6(d.failed_invocations / d.invocations) : 0 };
      })
      .sort((a, b) => (a.day < b.day ? -1 : 1));
  }

  async modelUsage(filter: EventFilter = {}): Promise<ModelDay[]> {
    const f = { ...filter, types: ["llm_end"] };
    const rows = await this.rowsOf(filter, (rollups) =>
      rollups
        ? "SELECT substr(hour, 1, 10) AS day, subject, sum(n), sum(input_tokens), sum(output_tokens), sum(total_tokens), sum(cost) FROM facts WHERE type = 'llm_end' GROUP BY day, subject"
        : `SELECT substr(ts, 1, 10) AS day, coalesce(model, name, 'unknown') AS m, count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(total_tokens), 0), coalesce(sum(cost), 0) FROM ev ${where(f)} GROUP BY day, m`,
    );
    if (!rows) return this.scan.modelUsage(filter);
    return rows
      .map(([day, model, calls, i, o, t, cost]) => ({ day: String(day), model: String(model), calls: Number(calls), input_tokens: Number(i), output_tokens: Number(o), total_tokens: Number(t), cost: round6(Number(cost)) }))
      .sort((a, b) => (a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.model < b.model ? -1 : 1));
  }

  async userUsage(filter: EventFilter = {}): Promise<UserDay[]> {
    const f = { ...filter, types: ["llm_end"] };
    const rows = await this.rowsOf(filter, (rollups) =>
      rollups
        ? "SELECT day, user_key, sum(n), sum(total_tokens), sum(cost) FROM users GROUP BY day, user_key"
        : `SELECT substr(ts, 1, 10) AS day, ${USER_KEY} AS u, count(*), coalesce(sum(total_tokens), 0), coalesce(sum(cost), 0) FROM ev ${where(f)} GROUP BY day, u`,
    );
    if (!rows) return this.scan.userUsage(filter);
    return rows.map(([day, user, calls, t, cost]) => ({ day: String(day), user_id: String(user), calls: Number(calls), total_tokens: Number(t), cost: round6(Number(cost)) })).sort(byDayThenUser);
  }

  async volume(filter: EventFilter = {}, rule: Partial<SpikeRule> = {}) {
    const rows = await this.rowsOf(filter, (rollups) =>
      rollups ? "SELECT hour || ':00:00Z' AS h, sum(n) FROM facts GROUP BY h ORDER BY h" : `SELECT substr(ts, 1, 13) || ':00:00Z' AS hour, count(*) FROM ev ${where(filter)} GROUP BY hour ORDER BY hour`,
    );
    if (!rows) return this.scan.volume(filter, rule);
    return markSpikes(rows.map(([hour, n]) => ({ hour: String(hour), events: Number(n) })), rule);
  }

  /**
   * The viewer's session list in two steps, under the rules of `store/session-rows.ts`: each
   * session's last activity (and errors, or first user and inputs for a search) from one GROUP BY,
   * ordered and cut to the page here (JavaScript's string order, as the scan sorts); then only the
   * page's sessions in full. The search matches in JavaScript too: SQL's lower() is not JS's.
   */
  async sessions(q: SessionQuery): Promise<SessionsAnswer> {
    const filter = { userId: q.userId, since: q.since, until: q.until };
    const live = `${where(filter) ? `${where(filter)} AND` : "WHERE"} NOT erased`;
    const answer = await this.attempt(async (open) => {
      const read = async (sql: string) => (await open.conn.runAndReadAll(sql)).getRows() as unknown[][];
      const search = q.text;
      // Without a filter on the events, the rollups answer: a few rows per session, not every event.
      if (open.rollups && !search && !where(filter)) {
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
      return { sessions: page.length ? await this.detail(read, live, page) : [], more, total };
    });
    if (answer) return answer;
    const { page, more, total } = pageAfter(await sessionRows(this.scan, q), q.limit, q.after);
    return { sessions: page, more, total };
  }

  /** The full rows of the page's sessions from their events, in the page's order. */
  private async detail(read: (sql: string) => Promise<unknown[][]>, live: string, page: ReadonlyArray<{ session_id: string }>): Promise<SessionRow[]> {
    const ids = page.map((p) => p.session_id);
    const inPage = `(session_id IN (${ids.map(lit).join(", ")})${ids.includes(NO_SESSION) ? " OR session_id IS NULL" : ""})`;
    const source = `(SELECT * FROM ev ${live} AND ${inPage})`;
    return inPageOrder(page, await read(mergedRollupSql(`(${rollupSql(source)})`)));
  }

  /**
   * `sessionEvents` of store/jsonl.ts (the CLI's `show`): one session's events in time order, and
   * the same unreadable lines reported as the scan meets them.
   */
  async sessionEvents(sessionId: string, options: ReadOptions = {}): Promise<AuditEvent[]> {
    const bad = await this.attempt(async (open) => open.bad);
    if (!bad) return sessionEvents(this.dir, sessionId, options);
    const events: AuditEvent[] = [];
    for await (const e of this.events({ sessionId })) events.push(e);
    for (const b of bad) options.onBadLine?.(b);
    return events;
  }

  /** `listSessions` of store/jsonl.ts (the CLI's `sessions`), the same rows and the same bad lines reported. */
  async listSessions(options: ReadOptions = {}): Promise<SessionSummary[]> {
    const ord = "ord";
    const answer = await this.attempt(async (open) => {
      const rows = (
        await open.conn.runAndReadAll(
          // The whole trail's sessions: from the rollups when they are there, else from every event.
          open.rollups
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
        )
      ).getRows();
      return { rows, bad: open.bad };
    });
    if (!answer) return listSessions(this.dir, options);
    for (const b of answer.bad) options.onBadLine?.(b);
    // In order of first appearance, as the scan meets them: its sort then breaks ties the same way.
    return answer.rows
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

  async close(): Promise<void> {
    if (this.opening) await closeOpen(this.opening);
    this.opening = undefined;
  }
}

async function closeOpen(opening: Promise<Open | undefined>): Promise<void> {
  const open = await opening.catch(() => undefined);
  if (!open) return;
  open.retired = true;
  if (open.users === 0) shut(open);
}

function release(open: Open): void {
  if (--open.users === 0 && open.retired) shut(open);
}

function shut(open: Open): void {
  if (open.closed) return;
  open.closed = true;
  open.conn.closeSync();
  open.instance.closeSync();
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
