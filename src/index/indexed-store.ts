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
import { byDayThenUser, markSpikes, round6 } from "../store/analytics.js";
import { JsonlStore } from "../store/jsonl-store.js";
import { byTime, listSessions, sessionEvents, type BadLine, type ReadOptions, type SessionSummary } from "../store/jsonl.js";
import { pageAfter } from "../store/session-rows.js";
import { sessionRows } from "../store/session-scan.js";
import type { AuditStore, DailyErrors, EventFilter, EventOrder, ModelDay, SessionQuery, SessionsAnswer, SpikeRule, ToolStat, UserDay } from "../store/types.js";
import { TABLE_COLUMNS, compactSegment, loadSegments, parquetList, segmentDay, today } from "./compact.js";
import { loadEngine, notice } from "./engine.js";
import { ROLLUPS, USER_KEY, quantileOfCounts, writeRollups } from "./rollups.js";
import { cliSessions, viewerSessions } from "./session-queries.js";
import { lit, where } from "./sql.js";

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

/** Storage order: segment, then line. */
const ORDER = "seg, line_no";

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

  /** The viewer's session list (index/session-queries.ts), or the scan's when the index cannot answer. */
  async sessions(q: SessionQuery): Promise<SessionsAnswer> {
    const answer = await this.attempt((open) => viewerSessions(reader(open), q, open.rollups));
    if (answer) return answer;
    const { page, more, total } = pageAfter(await sessionRows(this.scan, q), q.limit, q.after);
    return { sessions: page, more, total };
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
    const answer = await this.attempt(async (open) => ({ rows: await cliSessions(reader(open), open.rollups), bad: open.bad }));
    if (!answer) return listSessions(this.dir, options);
    for (const b of answer.bad) options.onBadLine?.(b);
    return answer.rows;
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

/** The rows of a query on this open index. */
const reader = (open: Open) => async (sql: string) => (await open.conn.runAndReadAll(sql)).getRows() as unknown[][];
