// The package's ClickHouse SQL on a current ClickHouse: chdb (embedded ClickHouse, npm `chdb`) runs
// the schema, the inserts, every store read, erasure and purge through a stand-in for the HTTP
// connection, and must answer as the JSONL store does. chdb is 546 MB unpacked, so it is not a
// devDependency; this file runs when it is installed (`npm install --no-save chdb`), and says so
// and skips otherwise. The real-server suite (clickhouse.test.ts) runs on Debian's 18.16.
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { ClickHouseStore } from "../../src/store/clickhouse-store.js";
import { ClickHouseConnection } from "../../src/store/clickhouse-connection.js";
import { clickhouseSchema, eventToRow, type ClickHouseRow } from "../../src/store/clickhouse-schema.js";
import { eraseClickHouse, planClickHousePurge, purgeClickHouse } from "../../src/store/clickhouse-maintenance.js";
import { listSessions, summarizeSessions } from "../../src/store/jsonl.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { writeHistory } from "./history.js";

interface ChdbSession {
  query(sql: string, format?: string): string;
  cleanup?(): void;
}
const chdbName = "chdb"; // not a dependency: resolved only when installed
const chdb = (await import(chdbName).catch(() => undefined)) as { Session: new (path: string) => ChdbSession } | undefined;
if (!chdb) console.warn("clickhouse-chdb.test: chdb is not installed (npm install --no-save chdb, 546 MB); the check on a current ClickHouse is skipped");

describe.skipIf(!chdb)("the ClickHouse SQL on a current ClickHouse (chdb)", () => {
  let dir: string;
  let session: ChdbSession;
  let jsonl: JsonlStore;
  let store: ClickHouseStore;
  let conn: ClickHouseConnection;
  const target = { url: "http://unused", database: "audit", table: "events" };

  beforeAll(async () => {
    dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    writeHistory(trail);
    await trail.shutdown({ timeoutMs: 20_000 });
    jsonl = new JsonlStore(dir);
    session = new chdb!.Session(tempDir());
    // The connection's own methods, over chdb instead of HTTP (mutationsDone's SQL included).
    conn = Object.assign(Object.create(ClickHouseConnection.prototype) as ClickHouseConnection, {
      target,
      rows: async (sql: string) => session.query(sql, "JSONEachRow").split("\n").filter(Boolean).map((l) => JSON.parse(l)),
      command: async (sql: string) => void session.query(sql),
      insert: async (table: string, values: readonly ClickHouseRow[]) => void session.query(`INSERT INTO ${table} FORMAT JSONEachRow ${values.map((v) => JSON.stringify(v)).join("\n")}`),
      close: async () => {},
    });
    for (const statement of clickhouseSchema(target)) await conn.command(statement);
    const events: AuditEvent[] = [];
    for await (const e of jsonl.events()) events.push(e);
    await conn.insert("audit.events", events.map(eventToRow));
    await conn.insert("audit.events", events.slice(0, 50).map(eventToRow)); // a redelivery
    store = new ClickHouseStore("clickhouse://unused@127.0.0.1/audit?table=events");
    await store.close();
    Object.defineProperty(store, "conn", { value: conn });
  }, 60_000);
  afterAll(() => session?.cleanup?.());

  it("answers every store question as the JSONL scan does, the redelivered copies counted once", async () => {
    const ids = async (it: AsyncIterable<AuditEvent>) => {
      const out: AuditEvent[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    expect(await ids(store.events())).toEqual(await ids(jsonl.events()));
    expect(await ids(store.events({ userId: "alice", since: new Date("2026-11-02T00:00:00Z") }))).toEqual(await ids(jsonl.events({ userId: "alice", since: new Date("2026-11-02T00:00:00Z") })));
    expect(await store.toolStats()).toEqual(await jsonl.toolStats());
    expect(await store.errorRate()).toEqual(await jsonl.errorRate());
    expect(await store.modelUsage()).toEqual(await jsonl.modelUsage());
    expect(await store.volume()).toEqual(await jsonl.volume());
    expect(await summarizeSessions(store.events({}, { ordered: false }))).toEqual(await listSessions(dir));
  });

  it("erases through two mutations that leave nothing under the null flag, and purges", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const erased = await eraseClickHouse(conn, { userId: "carol" }, { actor: "dpo", signingKey: privateKey });
    expect(erased.events).toBe(32);
    const [left] = await conn.rows<{ n: string }>("SELECT count() AS n FROM audit.events WHERE assumeNotNull(user_id) = 'carol' OR position(data, 'question 0.2') > 0");
    expect(Number(left!.n)).toBe(0);
    const plan = await planClickHousePurge(conn, "2026-11-02T00:00:00.000Z");
    expect(plan).toMatchObject({ rows: 24, users: ["alice", "bob"] });
    expect(await purgeClickHouse(conn, "2026-11-02T00:00:00.000Z", "ops")).toBe(24);
    const log = await conn.rows<{ action: string }>("SELECT action FROM audit.events_maintenance ORDER BY at, action");
    expect(log.map((r) => r.action).sort()).toEqual(["erase", "purge"]);
  });
});
