/**
 * Compaction: a closed daily segment (not today's, which writers still append to) becomes one
 * Parquet part under `.index/`, sorted by session in small row groups (8,192 rows), so a one-session
 * query skips every row group whose session range excludes it (the `line` column is most of the bytes).
 * Parts are written to a temporary name and renamed, and the manifest is replaced whole, so a
 * reader or a crash never sees half a part.
 */
import { createReadStream, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";
import type { DuckDBConnection } from "@duckdb/node-api";
import { ROLLUP_KINDS, indexDir, partFile, rollupFile, type IndexManifest } from "../format/index-files.js";
import { writeRollups } from "./rollups.js";
import { parseLine } from "../format/trail-format.js";
import type { BadLine } from "../store/jsonl.js";
import { COLUMNS, rowOf, type Cell } from "./rows.js";

export const TABLE_COLUMNS = COLUMNS.map(([name, type]) => `"${name}" ${type}`).join(", ");

/** The UTC day a segment belongs to; segments of earlier days are closed. */
export const segmentDay = (segment: string) => basename(segment).slice(0, 10);
export const today = () => new Date().toISOString().slice(0, 10);

/** Appends every event line of `files` to `table` (same line rule as the scan: unreadable lines are skipped). */
export async function loadSegments(conn: DuckDBConnection, table: string, files: readonly string[], onBadLine?: (bad: BadLine) => void): Promise<number> {
  const appender = await conn.createAppender(table);
  let rows = 0;
  try {
    for (const file of files) {
      const seg = basename(file);
      const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
      let n = 0;
      let offset = 0;
      for await (const text of lines) {
        n++;
        const at = offset;
        const bytes = Buffer.byteLength(text, "utf8");
        // Writers end lines with \n only; a line that does not is caught when read back (its id differs).
        offset += bytes + 1;
        if (!text.trim()) continue;
        const parsed = parseLine(text);
        if (!("event" in parsed)) {
          onBadLine?.({ file, line: n, reason: parsed.reason });
          continue;
        }
        append(appender, rowOf(seg, n, at, bytes, parsed.event, text));
        rows++;
      }
    }
  } finally {
    appender.closeSync();
  }
  return rows;
}

function append(appender: import("@duckdb/node-api").DuckDBAppender, row: Cell[]): void {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) appender.appendNull();
    else if (typeof v === "string") appender.appendVarchar(v);
    else if (typeof v === "boolean") appender.appendBoolean(v);
    else if (COLUMNS[i]![1] === "INTEGER") appender.appendInteger(v);
    else appender.appendDouble(v);
  }
  appender.endRow();
}

const quote = (path: string) => `'${path.replace(/'/g, "''")}'`;
export const parquetList = (files: readonly string[]) => `[${files.map(quote).join(", ")}]`;

/** Compacts one segment into its part and records it in `manifest` (the caller writes the manifest). */
export async function compactSegment(conn: DuckDBConnection, dir: string, file: string, manifest: IndexManifest): Promise<void> {
  const before = statSync(file);
  mkdirSync(indexDir(dir), { recursive: true, mode: 0o700 });
  await conn.run(`CREATE OR REPLACE TEMP TABLE compacting (${TABLE_COLUMNS})`);
  const bad: Array<{ line: number; reason: string }> = [];
  const rows = await loadSegments(conn, "compacting", [file], (b) => bad.push({ line: b.line, reason: b.reason }));
  const part = partFile(dir, file);
  const tmp = `${part}.${process.pid}.tmp`;
  try {
    // The old rollups go first: a crash before the new ones are written leaves none (made from
    // the part when next read), never one of the segment's older content beside the new part.
    for (const kind of ROLLUP_KINDS) rmSync(rollupFile(dir, file, kind), { force: true });
    await conn.run(`COPY (SELECT * FROM compacting ORDER BY session_id, ts) TO ${quote(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 8192)`);
    renameSync(tmp, part);
    await writeRollups(conn, "compacting", dir, basename(file));
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    await conn.run("DROP TABLE IF EXISTS compacting");
  }
  // A segment that changed while we read it is recorded as it was before: the next reader re-indexes it.
  manifest.segments[basename(file)] = { size: before.size, mtimeMs: before.mtimeMs, rows, ...(bad.length ? { bad } : {}) };
}
