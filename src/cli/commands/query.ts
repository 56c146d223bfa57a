/** `agent-audit query`, `stats` and `export`: events and figures from a trail, its index or a database. */
import type { AuditEvent } from "../../events/schema.js";
import { IndexedStore } from "../../index/indexed-store.js";
import { openStore, storeKind } from "../../store/open.js";
import { statsReport } from "../../store/stats-report.js";
import { existsSync } from "node:fs";
import { filterFrom, renderStats } from "../analytics.js";
import { csvHeader, csvRow } from "../csv.js";
import { progressLine } from "../progress.js";
import { renderTimeline } from "../timeline.js";
import { UsageError, describeFilter, type CommandContext } from "../context.js";

export async function queryCommand({ command, values, dir, io, color, refuseWidened, logAccess }: CommandContext): Promise<number> {
  const target = values.store ?? dir;
  const isDir = storeKind(target) === "dir";
  if (isDir) {
    refuseWidened(target);
    if (existsSync(target)) logAccess(target, command, describeFilter(values));
  }
  const progress = progressLine(command, { json: values.json });
  const store = isDir && !values["no-index"] ? new IndexedStore(target, { onProgress: progress.update }) : openStore(target, { table: values.table, onProgress: progress.update });
  try {
    const filter = filterFrom({ ...values, user: values.user });
    if (command === "stats") {
      const report = await statsReport(store, filter);
      if (values.json) io.out(JSON.stringify(report, null, 2));
      else for (const line of renderStats(report)) io.out(line);
      return 0;
    }
    const format = command === "export" ? (values.format ?? "jsonl") : values.json ? "jsonl" : "text";
    if (!["jsonl", "csv", "text"].includes(format)) throw new UsageError(`--format must be jsonl or csv, got "${format}"`);
    if (format === "csv") io.out(csvHeader());
    const events: AuditEvent[] = [];
    for await (const e of store.events(filter)) {
      if (format === "jsonl") io.out(JSON.stringify(e));
      else if (format === "csv") io.out(csvRow(e));
      else events.push(e);
    }
    if (format === "text") {
      if (!events.length) io.out("No events match.");
      else for (const line of renderTimeline(events, { color })) io.out(line);
    }
    return 0;
  } finally {
    progress.done();
    await store.close();
  }
}
