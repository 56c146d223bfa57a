// The same questions asked of the JSONL trail and of PostgreSQL (a real server: scripts/with-postgres.sh
// starts one for `npm test`, or set DATABASE_URL) must get identical answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";

import { createAgent, fakeModel, AIMessage, HumanMessage } from "langchain";
import { createAuditTrail, type AuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { postgresSink } from "../../src/sinks/postgres.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { PostgresStore } from "../../src/store/postgres-store.js";
import { markSpikes, quantile } from "../../src/store/analytics.js";
import { costOf, priceFor, DEFAULT_PRICES } from "../../src/pricing/prices.js";
import { main } from "../../src/cli/main.js";
import { migrate, schemaSql } from "../../src/store/postgres-schema.js";
import { HOT_FIELDS } from "../../src/store/postgres-hot-fields.js";
import { sessionRows, sessionsPage, type SessionFilter, type SessionsPage } from "../../src/serve/sessions.js";
import type { AuditStore } from "../../src/store/types.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { memoryTrail, ofType, tempDir } from "../helpers.js";
import { DAY, T0, writeHistory } from "./history.js";
import { SESSION_FILTERS, allPages, oddCursors, writeSessions } from "./sessions-fixture.js";

const DB = process.env.DATABASE_URL;
if (!DB) console.warn("stores.test: DATABASE_URL is not set and no PostgreSQL server could be started; the PostgreSQL half is skipped");

describe("analytics helpers", () => {
  it("interpolates quantiles like percentile_cont and flags spikes against the median of preceding hours", () => {
    expect(quantile([100, 200, 300, 400], 0.5)).toBe(250);
    expect(quantile([100, 200, 300, 400], 0.95)).toBe(385);
    const hours = [5, 6, 4, 5, 60, 5].map((events, i) => ({ hour: `h${i}`, events }));
    expect(markSpikes(hours).map((h) => h.spike)).toEqual([false, false, false, false, true, false]);
  });

  it("prices model calls from the table (dated model names included), and the handler adds the cost", async () => {
    expect(priceFor("gpt-4o-mini-2024-07-18", DEFAULT_PRICES)).toEqual(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(costOf({ input_tokens: 1_000_000, output_tokens: 1_000_000, cache_read_tokens: 200_000 }, { input: 1, output: 2, cached: 0.5 })).toBe(2.9);
    const { trail, events } = memoryTrail({ level: "debug", prices: { "house-model": { input: 10, output: 20 } } });
    const model = fakeModel().respond(new AIMessage({ content: "hi", usage_metadata: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 }, response_metadata: { model_name: "house-model-v2" } }));
    await createAgent({ model, tools: [] }).invoke({ messages: [new HumanMessage("x")] }, { callbacks: [trail.handler()] });
    expect(ofType(events, "llm_end")[0]!.data).toMatchObject({ model: "house-model-v2", cost: 0.02, cost_source: "price_table" });
  });
});

describe.skipIf(!DB)("JSONL and PostgreSQL stores give identical answers", () => {
  let dir: string;
  let jsonl: JsonlStore;
  let postgres: PostgresStore;
  const table = `t_${process.pid}_${Date.now() % 100000}`;

  beforeAll(async () => {
    dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), postgresSink({ connectionString: DB!, table, delivery: { lingerMs: 0 } })], redaction: false });
    writeHistory(trail);
    const flushed = await trail.shutdown({ timeoutMs: 20_000 });
    expect(flushed.complete).toBe(true);
    jsonl = new JsonlStore(dir);
    postgres = new PostgresStore({ connectionString: DB!, table });
  });
  afterAll(async () => {
    await postgres?.close();
  });

  const collect = async (it: AsyncIterable<AuditEvent>) => {
    const out: AuditEvent[] = [];
    for await (const e of it) out.push(e);
    return out;
  };

  it.each([
    ["a session, in order", { sessionId: "s-1-0" }],
    ["a user over a time range", { userId: "alice", since: new Date(T0 + DAY), until: new Date(T0 + 3 * DAY) }],
    ["by type and level", { types: ["tool_error", "output"], levels: ["error"] }],
  ])("events: %s", async (_name, filter) => {
    const a = await collect(jsonl.events(filter));
    const b = await collect(postgres.events(filter));
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it("events unordered: the same events, streamed in storage order, from both stores", async () => {
    const key = (e: AuditEvent) => e.id;
    const ordered = await collect(jsonl.events({ userId: "alice" }));
    for (const store of [jsonl, postgres]) {
      const unordered = await collect(store.events({ userId: "alice" }, { ordered: false }));
      expect(unordered.map(key).sort()).toEqual(ordered.map(key).sort());
    }
  });

  it("tool usage, error rate, tokens and cost, volume with spikes", async () => {
    const [tools, errors, models, volume] = await Promise.all([jsonl.toolStats(), jsonl.errorRate(), jsonl.modelUsage(), jsonl.volume()]);
    expect(await postgres.toolStats()).toEqual(tools);
    expect(await postgres.errorRate()).toEqual(errors);
    expect(await postgres.modelUsage()).toEqual(models);
    expect(await postgres.volume()).toEqual(volume);
    const users = await jsonl.userUsage();
    expect(await postgres.userUsage()).toEqual(users);
    expect(await postgres.userUsage({ since: new Date(T0 + 2 * DAY) })).toEqual(await jsonl.userUsage({ since: new Date(T0 + 2 * DAY) }));
    expect(new Set(users.map((u) => u.user_id)).size).toBeGreaterThan(2);
    expect(users.reduce((n, u) => n + u.calls, 0)).toBe(models.reduce((n, m) => n + m.calls, 0));

    expect(tools).toEqual([
      { tool: "book", calls: 12, errors: 0, p50_ms: 301.5, p95_ms: 502.45 },
      { tool: "search", calls: 12, errors: 4, p50_ms: 401.5, p95_ms: 602.45 },
    ]);
    expect(errors.map((d) => [d.day, d.invocations, d.failed_invocations, d.rate])).toEqual([
      ["2026-11-01", 6, 1, 0.166667],
      ["2026-11-02", 6, 1, 0.166667],
      ["2026-11-03", 6, 1, 0.166667],
      ["2026-11-04", 6, 1, 0.166667],
    ]);
    expect(models[0]).toEqual({ day: "2026-11-01", model: "claude-sonnet-4", calls: 3, input_tokens: 306, output_tokens: 60, total_tokens: 366, cost: 0.009 });
    expect(volume.filter((h) => h.spike).map((h) => h.hour)).toEqual(["2026-11-04T20:00:00Z"]);
  });

  it("is append-only in the database: UPDATE and DELETE are refused; erasure and retention go through functions that record themselves", async () => {
    const db = postgres.pool;
    await expect(db.query(`UPDATE ${table} SET level = 'x'`)).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
    const { rows } = await db.query(`SELECT ${table}_erase_user('carol', 'dpo', 'request 7') AS n`);
    expect(rows[0].n).toBe(32); // 8 runs × 4 events
    const left = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = 'carol' OR data::text LIKE '%question 0.2%'`);
    expect(left.rows[0].n).toBe(0);
    const purged = await db.query(`SELECT ${table}_purge($1, 'ops') AS n`, [new Date(T0 + DAY).toISOString()]);
    expect(purged.rows[0].n).toBe(24);
    const log = await db.query(`SELECT actor, action, detail FROM ${table}_maintenance ORDER BY id`);
    expect(log.rows.map((r) => [r.actor, r.action, r.detail.count])).toEqual([
      ["dpo", "erase", 32],
      ["ops", "purge", 24],
    ]);
    await expect(db.query(`DELETE FROM ${table}_maintenance`)).rejects.toThrow(/append-only/);
  });

  it("migrate --roles: the writer may only INSERT, the reader only SELECT; redelivery is harmless", async () => {
    const t = `r_${process.pid}_${Date.now() % 100000}`;
    const out: string[] = [];
    expect(await main(["migrate", "--store", DB!, "--table", t, "--roles"], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    const db = new pg.Pool({ connectionString: DB!, max: 1 });
    try {
      const client = await db.connect();
      try {
        const event = { schema_version: "1", id: "01900000-0000-7000-8000-000000000009", ts: "2026-11-01T00:00:00.000Z", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01900000-0000-7000-8000-000000000001" };
        // The sink connects as the writer role (a role GUC at connection start).
        const writerPool = new pg.Pool({ connectionString: DB!, max: 1, options: `-c role=${t}_writer` });
        const sink = postgresSink({ pool: writerPool, table: t, migrate: false });
        expect(await sink.send([event as AuditEvent])).toEqual({ ok: true });
        expect(await sink.send([event as AuditEvent])).toEqual({ ok: true }); // same id again: no duplicate, no error
        await expect(writerPool.query(`SELECT * FROM ${t}`)).rejects.toThrow(/permission denied/);
        await writerPool.end();
        await client.query(`SET ROLE ${t}_writer`);
        await expect(client.query(`SELECT * FROM ${t}`)).rejects.toThrow(/permission denied/);
        await client.query("RESET ROLE");
        await client.query(`SET ROLE ${t}_reader`);
        expect((await client.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n).toBe(1);
        await expect(client.query(`INSERT INTO ${t} (id, ts, seq, chain_id, log_type, level, data, schema_version) VALUES (gen_random_uuid(), now(), 2, gen_random_uuid(), 'x', 'info', '{}', '1')`)).rejects.toThrow(/permission denied/);
        await client.query("RESET ROLE");
      } finally {
        client.release();
      }
    } finally {
      await db.end();
    }
  });

  it("the CLI answers the same from both stores", async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const code = await main(args, { out: (s) => out.push(s), err: () => {} });
      return { code, out };
    };
    const fromDir = await run(["stats", "--store", dir, "--json"]);
    const fromDb = await run(["stats", "--store", DB!, "--table", table, "--json"]);
    expect(fromDir.code).toBe(0);
    // The database has had erasure and purge applied by now; compare the tool table on the last days only.
    const since = ["--since", "2026-11-02"];
    const q1 = await run(["query", "--store", dir, "--user", "bob", "--json", ...since]);
    const q2 = await run(["query", "--store", DB!, "--table", table, "--user", "bob", "--json", ...since]);
    expect(q2.out.map((l) => JSON.parse(l))).toEqual(q1.out.map((l) => JSON.parse(l)));
    expect(q1.out.length).toBe(24);
    expect(JSON.parse(fromDb.out[0] ? fromDb.out.join("\n") : "{}").tools.length).toBeGreaterThan(0);
    const csv = await run(["export", "--store", dir, "--format", "csv", "--session", "s-0-0"]);
    expect(csv.out[0]).toBe("ts,seq,level,type,session_id,user_id,trace_id,run_id,parent_run_id,name,tool,model,input_tokens,output_tokens,total_tokens,cost_usd,status,duration_ms,error_type,error_message,id,chain_id,data");
    expect(csv.out.length).toBe(1 + 12);
    // Erasure and retention from the CLI, through the recorded database functions.
    const erased = await run(["erase", "--yes", "--store", DB!, "--table", table, "--user", "bob", "--actor", "dpo", "--reason", "request 9"]);
    expect(erased.out.join("\n")).toMatch(/\nErased \d+ rows? of the user/);
    expect((await postgres.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = 'bob'`)).rows[0].n).toBe(0);
    const purge = await run(["purge", "--yes", "--store", DB!, "--table", table, "--older-than", "1d", "--actor", "ops"]);
    expect(purge.out.join("\n")).toMatch(/\nPurged \d+ rows? older than/);
    expect((await postgres.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(0);
    const text = await run(["stats", "--store", dir]);
    expect(text.out.join("\n")).toMatch(/TOOL\s+CALLS\s+ERRORS\s+P50\s+P95[\s\S]*SPIKES at 2026-11-04T20:00:00Z/);
  });
});

describe.skipIf(!DB)("JSONL and PostgreSQL stores give identical answers: sessions", () => {
  let dir: string;
  let jsonl: JsonlStore;
  let postgres: PostgresStore;
  const table = `ss_${process.pid}_${Date.now() % 100000}`;

  beforeAll(async () => {
    dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), postgresSink({ connectionString: DB!, table, delivery: { lingerMs: 0 } })], redaction: false });
    writeSessions(trail);
    const flushed = await trail.shutdown({ timeoutMs: 20_000 });
    expect(flushed.complete).toBe(true);
    jsonl = new JsonlStore(dir);
    postgres = new PostgresStore({ connectionString: DB!, table });
  });
  afterAll(async () => {
    await postgres?.pool.query(`DROP TABLE IF EXISTS ${table}, ${table}_maintenance, ${table}_erasures CASCADE`);
    await postgres?.close();
  });

  it.each(SESSION_FILTERS)("sessions, %s: the same pages, cursors and totals", async (_name, filter) => {
    expect(postgres.sessions).toBeTypeOf("function");
    for (const limit of [5, 50]) {
      const a = await allPages(jsonl, filter, limit, expect);
      const b = await allPages(postgres, filter, limit, expect);
      expect(b).toEqual(a);
      // The SQL rows are the scan's rows, not merely the scan again over PostgreSQL's events.
      expect(b.flatMap((p) => p.sessions)).toEqual(await sessionRows(postgres, filter));
    }
  });

  it("sessions: a cursor no viewer gave out (not a time, a NUL) is read the same way by both stores, never a failed query", async () => {
    const rows = (await sessionsPage(jsonl, {}, 100)).sessions;
    const mid = rows[10]!;
    const positions = oddCursors(rows);
    for (const after of positions) {
      for (const filter of [{}, { text: "ask" }]) {
        const a = await sessionsPage(jsonl, filter, 4, after);
        expect(await sessionsPage(postgres, filter, 4, after)).toEqual(a);
      }
    }
    expect((await sessionsPage(postgres, {}, 100, { end: mid.end, id: `${mid.session_id}\u0000zz` })).sessions[0]).toEqual(rows[11]);
  });

  it("sessions: the rows say what the events say", async () => {
    const rows = (await sessionsPage(postgres, {}, 100)).sessions;
    const byId = new Map(rows.map((r) => [r.session_id, r]));
    expect(rows.length).toBe(23 + 3);
    expect(byId.get("s-two")).toMatchObject({ user_id: "amy", runs: 2, preview: "early question", duration_ms: 100 * 60_000 });
    // Tied last activity: ids in order.
    const tied = rows.filter((r) => r.end === byId.get("s-two")!.end).map((r) => r.session_id);
    expect(tied).toEqual(["s-tie", "s-two"]);
    expect(byId.get("s-00")).toMatchObject({ errors: 1, tool_calls: 1, model_calls: 1, tokens: 10, cost: 0.0001, runs: 2, preview: '[{"text":"part 0","type":"text"},{"image_url":"x.png","type":"image_url"}]' });
    expect(byId.get("s-03")).toMatchObject({ cost: 0, errors: 0 }); // cost "0.5" is no number
    expect(byId.get("s-01")).toMatchObject({ errors: 0, preview: "Ask 1 about Flights" }); // a failed output is not an error of its own
    expect(byId.get("(no session)")).toMatchObject({ user_id: "cy", errors: 1, runs: 1, preview: '""' });
    const errorsOnly = (await sessionsPage(postgres, { errorsOnly: true }, 100)).sessions.map((r) => r.session_id).sort();
    expect(errorsOnly).toEqual(["(no session)", "s-00", "s-05", "s-10", "s-15", "s-20"]);
  });

  it("extracted columns: filled from data for every writer, NULL where data has no number, recomputed by erasure", async () => {
    const db = postgres.pool;
    const cols = Object.keys(HOT_FIELDS).join(", ");
    const tool = await db.query(`SELECT ${cols} FROM ${table} WHERE session_id = 's-00' AND log_type = 'tool_error'`);
    expect(tool.rows).toEqual([{ tool: "search", model: null, input_tokens: null, output_tokens: null, total_tokens: null, cost_usd: null, error_type: "TimeoutError" }]);
    const llm = await db.query(`SELECT ${cols} FROM ${table} WHERE session_id IN ('s-02', 's-03') AND log_type = 'llm_end' ORDER BY session_id`);
    expect(llm.rows.map((r) => [r.model, r.input_tokens, r.output_tokens, r.total_tokens, r.cost_usd])).toEqual([
      ["claude-sonnet-4", "10", "2", "12", String(0.0001 * 3)], // the number as the writer's JSON has it
      ["gpt-4o-mini", "10", "3", "13", null],
    ]);
    // A plain SQL insert with values of the wrong JSON type is stored, its columns NULL (rolled back after: the trail has no such row).
    const client = await db.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query(
        `INSERT INTO ${table} (id, ts, seq, chain_id, log_type, level, data, schema_version) VALUES (gen_random_uuid(), now(), 1, gen_random_uuid(), 'llm_end', 'info', $1, '1') RETURNING ${cols}`,
        [{ model: "sql-model", usage: { total_tokens: "many", input_tokens: { n: 1 } }, cost: [1], error: { type: 7 } }],
      );
      expect(rows[0]).toEqual({ tool: null, model: "sql-model", input_tokens: null, output_tokens: null, total_tokens: null, cost_usd: null, error_type: null });
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
    // The same answers from the expressions over data (a table migrate has not extended yet).
    const fromData = new PostgresStore({ connectionString: DB!, table, hotColumns: false });
    try {
      expect(await fromData.toolStats()).toEqual(await postgres.toolStats());
      expect(await fromData.modelUsage()).toEqual(await postgres.modelUsage());
      expect((await fromData.sessions({ limit: 100 })).sessions).toEqual((await postgres.sessions({ limit: 100 })).sessions);
    } finally {
      await fromData.close();
    }
    // Erasure rewrites data: the extracted copies of it go too.
    expect((await db.query(`SELECT ${table}_erase_user('amy', 'dpo', 'test') AS n`)).rows[0].n).toBeGreaterThan(0);
    const left = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE erased IS NOT NULL AND (${Object.keys(HOT_FIELDS).map((c) => `${c} IS NOT NULL`).join(" OR ")})`);
    expect(left.rows[0].n).toBe(0);
    expect((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE erased IS NOT NULL`)).rows[0].n).toBeGreaterThan(10);
  });

  it("sessions after erasing the same users in both stores: tombstones belong to no session", async () => {
    const run = async (args: string[]) => main(args, { out: () => {}, err: () => {} });
    // amy was erased in PostgreSQL by the SQL function (the test before); the trail erases her too, then ben in both, signed.
    expect(await run(["erase", "--yes", "--dir", dir, "--user", "amy", "--actor", "dpo", "--reason", "r"])).toBe(0);
    expect(await run(["erase", "--yes", "--dir", dir, "--user", "ben", "--actor", "dpo", "--reason", "r"])).toBe(0);
    expect(await run(["erase", "--yes", "--store", DB!, "--table", table, "--user", "ben", "--actor", "dpo", "--reason", "r"])).toBe(0);
    for (const [, filter] of SESSION_FILTERS) expect(await allPages(postgres, filter, 4, expect)).toEqual(await allPages(jsonl, filter, 4, expect));
    const all = (await sessionsPage(postgres, {}, 100)).sessions;
    expect(all.length).toBeGreaterThan(5);
    expect(all.filter((r) => r.user_id === "ben" || r.user_id === "amy")).toEqual([]);
    expect(all.find((r) => r.session_id === "s-two")).toMatchObject({ user_id: "zed", preview: "late question", runs: 1 });
  });

  it("migrate adds the columns to a table made before them, fills them, and can run again", async () => {
    const t = `old_${process.pid}_${Date.now() % 100000}`;
    const db = postgres.pool;
    try {
      await db.query(schemaSql(t));
      for (const c of Object.keys(HOT_FIELDS)) await db.query(`ALTER TABLE ${t} DROP COLUMN ${c}`);
      await db.query(`INSERT INTO ${t} (id, ts, seq, chain_id, log_type, level, data, schema_version) VALUES (gen_random_uuid(), now(), 1, gen_random_uuid(), 'tool_end', 'info', '{"tool":"old-tool"}', '1')`);
      const before = new PostgresStore({ pool: db, table: t });
      expect((await before.toolStats()).map((x) => x.tool)).toEqual(["old-tool"]);
      await migrate(db, t);
      await migrate(db, t);
      expect((await db.query(`SELECT tool FROM ${t}`)).rows).toEqual([{ tool: "old-tool" }]);
      const after = new PostgresStore({ pool: db, table: t });
      expect((await after.toolStats()).map((x) => x.tool)).toEqual(["old-tool"]);
      await expect(db.query(`UPDATE ${t} SET level = 'x'`)).rejects.toThrow(/append-only/);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${t}, ${t}_maintenance, ${t}_erasures CASCADE`);
    }
  });
});

describe.skipIf(!DB)("postgresSink faults", () => {
  it("maps a refused connection to retryable and a bad table to a clear config error", async () => {
    const sink = postgresSink({ connectionString: "postgres://nobody@127.0.0.1:1/none", table: "x_unreachable" });
    const result = await sink.send([{ schema_version: "1", id: "01900000-0000-7000-8000-00000000000a", ts: "2026-11-01T00:00:00.000Z", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01900000-0000-7000-8000-000000000001" } as AuditEvent]);
    expect(result).toMatchObject({ ok: false, retryable: true });
    await sink.close?.();
    expect(() => postgresSink({ connectionString: DB!, table: "Robert'); DROP TABLE students;--" })).toThrow(/lower-case SQL identifier/);
  });
});
