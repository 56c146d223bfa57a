// The viewer's session list through the columnar index: the same pages, cursors and totals as the
// streaming scan for every filter, on sessions built to tell the session-row rules apart, with
// part of the trail compacted (closed days) and part in today's open segment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { IndexedStore } from "../../src/index/indexed-store.js";
import { sessionsPage } from "../../src/serve/sessions.js";
import { indexDir, readManifest } from "../../src/format/index-files.js";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { SESSION_FILTERS, allPages, oddCursors, writeSessions } from "../store/sessions-fixture.js";
import { fallbacks } from "../../src/index/engine.js";
import { quantileOfCounts } from "../../src/index/rollups.js";
import { quantile } from "../../src/store/analytics.js";
import { tempDir } from "../helpers.js";

describe("the columnar index: the viewer's session list", () => {
  let dir: string;
  let jsonl: JsonlStore;
  let indexed: IndexedStore;

  beforeAll(async () => {
    dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    writeSessions(trail);
    // Today's segment is never compacted: these rows come from the tail, and join sessions in parts.
    trail.emit({ session_id: "s-03", user_id: "ann", level: "info", type: "input", data: { content: "today, in the tail" } });
    trail.emit({ session_id: "s-today", level: "error", type: "tool_error", name: "t", data: { tool: "t" }, status: "error" });
    await trail.shutdown();
    jsonl = new JsonlStore(dir);
    indexed = new IndexedStore(dir);
  });
  afterAll(() => indexed?.close());
  // Every answer here must come from the index itself: a fallback to the scan would agree trivially.
  afterEach(() => expect(fallbacks(), "the index fell back to the scan").toBe(0));

  it.each(SESSION_FILTERS)("sessions, %s: the same pages, cursors and totals as the scan", async (_name, filter) => {
    for (const limit of [5, 50]) expect(await allPages(indexed, filter, limit, expect)).toEqual(await allPages(jsonl, filter, limit, expect));
    // It answered from the index, not by scanning: closed days were compacted into parts.
    expect(Object.keys(readManifest(dir).segments).length).toBeGreaterThanOrEqual(5);
  });

  it("reads a cursor no viewer gave out the same way as the scan", async () => {
    const rows = (await sessionsPage(jsonl, {}, 100)).sessions;
    for (const after of oddCursors(rows)) {
      for (const filter of [{}, { text: "ask" }]) expect(await sessionsPage(indexed, filter, 4, after)).toEqual(await sessionsPage(jsonl, filter, 4, after));
    }
  });

  it("the unfiltered list comes from per-segment session rollups, rebuilt from the part when one is missing", async () => {
    const rollups = () => readdirSync(indexDir(dir)).filter((f) => f.endsWith(".sessions.parquet"));
    for (const kind of ["facts", "durations", "users"]) expect(readdirSync(indexDir(dir)).filter((f) => f.endsWith(`.${kind}.parquet`))).toHaveLength(rollups().length);
    const parts = Object.keys(readManifest(dir).segments);
    expect(rollups().sort()).toEqual(parts.map((p) => `${p}.sessions.parquet`).sort());
    const before = await allPages(jsonl, {}, 7, expect);
    // A crash between writing a part and its rollup leaves none: the next reader makes it from the part.
    rmSync(join(indexDir(dir), rollups()[0]!));
    const fresh = new IndexedStore(dir);
    try {
      expect(await allPages(fresh, {}, 7, expect)).toEqual(before);
      expect(await allPages(fresh, { errorsOnly: true }, 3, expect)).toEqual(await allPages(jsonl, { errorsOnly: true }, 3, expect));
    } finally {
      await fresh.close();
    }
    expect(rollups()).toHaveLength(parts.length);
  });

  it("the rows say what the events say: earliest user and input, canonical JSON, errors where they happened", async () => {
    const rows = (await sessionsPage(indexed, {}, 100)).sessions;
    const byId = new Map(rows.map((r) => [r.session_id, r]));
    expect(byId.get("s-two")).toMatchObject({ user_id: "amy", runs: 2, preview: "early question" });
    expect(byId.get("s-00")).toMatchObject({ errors: 1, preview: '[{"text":"part 0","type":"text"},{"image_url":"x.png","type":"image_url"}]' });
    expect(byId.get("s-03")).toMatchObject({ cost: 0, runs: 3 });
    expect(byId.get("(no session)")).toMatchObject({ user_id: "cy", errors: 1, preview: '""' });
    expect(byId.get("s-today")).toMatchObject({ errors: 1, runs: 0 });
    expect(rows.slice(0, 2).map((r) => r.session_id).sort()).toEqual(["s-03", "s-today"]);
  });
});

describe("percentiles from duration counts", () => {
  it("equal the scan's quantile over the sorted list, for any counts", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 60) }, () => Math.floor(rand() * 20) * (rand() < 0.3 ? 0.37 : 1));
      const sorted = [...values].sort((a, b) => a - b);
      const counts = new Map<number, number>();
      for (const v of sorted) counts.set(v, (counts.get(v) ?? 0) + 1);
      for (const q of [0, 0.05, 0.5, 0.95, 1]) expect(quantileOfCounts([...counts], q)).toBe(quantile(sorted, q));
    }
    expect(quantileOfCounts([], 0.5)).toBeNull();
  });
});

describe("the first page from the rollups: ties at its edge, ids JavaScript orders unlike SQL", () => {
  it("gives the scan's pages when many sessions share the last activity across the page boundary", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    const t = Date.parse("2026-11-02T10:00:00.000Z");
    // UTF-8 puts U+FF01 before an emoji (EF… < F0…); UTF-16 puts the emoji's surrogate (D83D) first.
    const ids = ["s-a", "s-\uff01", "s-\u{1F600}", "s-b", "s-é", "s-\uffff", "s-c", "s-\u{1F4A9}"];
    ids.forEach((id, i) => trail.emit({ session_id: id, level: "info", type: "input", data: { content: `q${i}` }, time: i < 6 ? t : t - 60_000 * i }));
    await trail.shutdown();
    const indexed = new IndexedStore(dir);
    try {
      const jsonl = new JsonlStore(dir);
      for (const limit of [1, 2, 3, 5, 6, 7, 8, 20]) expect(await allPages(indexed, {}, limit, expect)).toEqual(await allPages(jsonl, {}, limit, expect));
    } finally {
      await indexed.close();
    }
  });
});
