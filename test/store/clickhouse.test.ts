// The same questions asked of the JSONL trail and of ClickHouse (a real server:
// scripts/with-clickhouse.sh starts one for `npm test`, or set CLICKHOUSE_URL) must get identical
// answers; redelivery must not double-count; erasure and purge go through recorded mutations.
import { spawn, type ChildProcess } from "node:child_process";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { clickhouseSink } from "../../src/sinks/clickhouse.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { ClickHouseStore } from "../../src/store/clickhouse-store.js";
import { clickhouseSchema, literal } from "../../src/store/clickhouse-schema.js";
import { ClickHouseConnection, parseClickHouseTarget } from "../../src/store/clickhouse-connection.js";
import { IDS_PER_MUTATION, eraseClickHouse } from "../../src/store/clickhouse-maintenance.js";
import { listSessions, summarizeSessions } from "../../src/store/jsonl.js";
import { erasureSignatureValid, type ErasureRecord } from "../../src/integrity/erasure-records.js";
import { existingSigningKey } from "../../src/integrity/keys.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { CLI, runCli } from "../cli/run-cli.js";
import { DAY, T0, writeHistory } from "./history.js";

const URL_ = process.env.CLICKHOUSE_URL;
if (!URL_) console.warn("clickhouse.test: CLICKHOUSE_URL is not set and clickhouse-server is not installed (scripts/with-clickhouse.sh starts one); the ClickHouse half is skipped");

const collect = async (it: AsyncIterable<AuditEvent>) => {
  const out: AuditEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

describe("migrate --print --cluster: the multi-node DDL", () => {
  it("prints replicated local tables and a Distributed table over them, ON CLUSTER, without a server", async () => {
    const r = await runCli(["migrate", "--store", "clickhouse://nobody@127.0.0.1:1/audit?table=events", "--cluster", "prod", "--print"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("CREATE TABLE IF NOT EXISTS audit.events_local ON CLUSTER prod");
    expect(r.stdout).toMatch(/ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/audit\/events_local', '\{replica\}'\)\nPARTITION BY toYYYYMM\(ts\)\nORDER BY \(ts, id\)/);
    expect(r.stdout).toMatch(/events_maintenance_local ON CLUSTER prod[\s\S]*ENGINE = ReplicatedMergeTree\(/);
    expect(r.stdout).toContain("CREATE TABLE IF NOT EXISTS audit.events ON CLUSTER prod AS audit.events_local ENGINE = Distributed(prod, audit, events_local, cityHash64(id))");
    // Single node: no replication, no Distributed.
    const single = clickhouseSchema({ database: "audit", table: "events" }).join("\n");
    expect(single).not.toMatch(/ON CLUSTER|Replicated|Distributed/);
    expect(single).toContain("ENGINE = ReplacingMergeTree()");
    // Names are identifiers, never SQL.
    const bad = await runCli(["migrate", "--store", "clickhouse://127.0.0.1/audit?table=x;DROP", "--print"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/must be an SQL identifier/);
  }, 120_000);

  it("writes literals the server reads back as the same text (quotes, backslashes, newlines)", () => {
    expect(literal("o'brien\\x")).toBe("'o\\'brien\\\\x'");
    expect(literal(null)).toBe("NULL");
    expect(() => literal(Number.NaN)).toThrow(/finite/);
  });
});

describe.skipIf(!URL_)("JSONL and ClickHouse stores give identical answers", () => {
  const u = new URL(URL_ ?? "http://x");
  const database = `aat_${process.pid}_${Date.now() % 100000}`;
  const table = "events";
  const target = `clickhouse://${u.username}:${u.password}@${u.host}/${database}?table=${table}`;
  let dir: string;
  let jsonl: JsonlStore;
  let ch: ClickHouseStore;
  const sinkOptions = () => ({ url: `http://${u.host}`, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database, table });
  const raw = async (sql: string) => ch.conn.rows<Record<string, string>>(sql);

  beforeAll(async () => {
    dir = tempDir();
    // The database does not exist yet: the sink's first use creates it and the tables.
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), clickhouseSink({ ...sinkOptions(), delivery: { lingerMs: 0 } })], redaction: false });
    writeHistory(trail);
    const flushed = await trail.shutdown({ timeoutMs: 30_000 });
    expect(flushed.complete).toBe(true);
    jsonl = new JsonlStore(dir);
    ch = new ClickHouseStore(target);
  }, 60_000);
  afterAll(async () => {
    await ch?.conn.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
    await ch?.close();
  });

  it.each([
    ["a session, in order", { sessionId: "s-1-0" }],
    ["a user over a time range", { userId: "alice", since: new Date(T0 + DAY), until: new Date(T0 + 3 * DAY) }],
    ["by type and level", { types: ["tool_error", "output"], levels: ["error"] }],
    ["everything", {}],
  ])("events: %s", async (_name, filter) => {
    const a = await collect(jsonl.events(filter));
    const b = await collect(ch.events(filter));
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it("a filter value with quotes and backslashes is a value, not SQL", async () => {
    expect(await collect(ch.events({ userId: "x' OR 1=1 OR user_id != '\\" }))).toEqual([]);
    expect(await collect(ch.events({ sessionId: "s-1-0' --" }))).toEqual([]);
  });

  it("tool usage, error rate, tokens and cost, volume, sessions: the same as the JSONL scan", async () => {
    const [tools, errors, models, volume] = await Promise.all([jsonl.toolStats(), jsonl.errorRate(), jsonl.modelUsage(), jsonl.volume()]);
    expect(await ch.toolStats()).toEqual(tools);
    expect(await ch.errorRate()).toEqual(errors);
    expect(await ch.modelUsage()).toEqual(models);
    expect(await ch.volume()).toEqual(volume);
    expect(await ch.userUsage()).toEqual(await jsonl.userUsage());
    expect(await ch.userUsage({ userId: "alice" })).toEqual(await jsonl.userUsage({ userId: "alice" }));
    const since = { since: new Date(T0 + 2 * DAY) };
    expect(await ch.toolStats(since)).toEqual(await jsonl.toolStats(since));
    expect(await ch.modelUsage(since)).toEqual(await jsonl.modelUsage(since));
    expect(tools).toEqual([
      { tool: "book", calls: 12, errors: 0, p50_ms: 301.5, p95_ms: 502.45 },
      { tool: "search", calls: 12, errors: 4, p50_ms: 401.5, p95_ms: 602.45 },
    ]);
    expect(models[0]).toEqual({ day: "2026-11-01", model: "claude-sonnet-4", calls: 3, input_tokens: 306, output_tokens: 60, total_tokens: 366, cost: 0.009 });
    expect(volume.filter((h) => h.spike).map((h) => h.hour)).toEqual(["2026-11-04T20:00:00Z"]);
    expect(await summarizeSessions(ch.events({}, { ordered: false }))).toEqual(await listSessions(dir));
  });

  it("redelivery is harmless: the same events sent again are stored twice until merged, and counted once", async () => {
    const before = { tools: await ch.toolStats(), errors: await ch.errorRate(), models: await ch.modelUsage(), events: await collect(ch.events()) };
    const sink = clickhouseSink({ ...sinkOptions(), migrate: false });
    try {
      const again = (await collect(jsonl.events())).slice(0, 60);
      expect(await sink.send(again)).toEqual({ ok: true });
      expect(await sink.send(again)).toEqual({ ok: true });
    } finally {
      await sink.close?.();
    }
    // The copies really are there (a read without FINAL sees them)…
    const [unmerged] = await raw(`SELECT count() AS n FROM ${database}.${table}`);
    expect(Number(unmerged!.n)).toBeGreaterThanOrEqual(before.events.length + 60);
    // …and every answer is unchanged.
    expect(await ch.toolStats()).toEqual(before.tools);
    expect(await ch.errorRate()).toEqual(before.errors);
    expect(await ch.modelUsage()).toEqual(before.models);
    expect(await collect(ch.events())).toEqual(before.events);
    await ch.conn.command(`OPTIMIZE TABLE ${database}.${table} FINAL`);
    const [merged] = await raw(`SELECT count() AS n FROM ${database}.${table}`);
    expect(Number(merged!.n)).toBe(before.events.length);
  });

  it("the CLI (the built package, in a child process) answers query, stats, sessions and export the same from both", async () => {
    for (const args of [
      ["query", "--user", "bob", "--json", "--since", "2026-11-02"],
      ["stats", "--json"],
      ["sessions", "--json"],
      ["export", "--format", "csv", "--session", "s-0-0"],
    ]) {
      const [fromDir, fromCh] = await Promise.all([runCli([...args, "--dir", dir]), runCli([...args, "--store", target])]);
      expect(fromDir.code, fromDir.stderr).toBe(0);
      expect(fromCh.code, fromCh.stderr).toBe(0);
      expect(fromCh.stdout.length).toBeGreaterThan(100);
      // JSON lines compare as values (a row's columns come back in another key order); the rest byte for byte.
      if (args[0] === "query") expect(fromCh.stdout.trim().split("\n").map((l) => JSON.parse(l))).toEqual(fromDir.stdout.trim().split("\n").map((l) => JSON.parse(l)));
      else expect(fromCh.stdout).toBe(fromDir.stdout);
    }
  }, 120_000);

  it("serve --store clickhouse://… answers the viewer's API as serve --dir does", async () => {
    const servers: ChildProcess[] = [];
    const start = (args: string[]) =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
        servers.push(child);
        let out = "";
        const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out}`)), 20_000);
        child.stdout!.on("data", (b: Buffer) => {
          out += b.toString();
          const m = /viewer on (http:\/\/\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!.replace(/\/$/, ""));
          }
        });
        child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
        child.once("exit", (code) => reject(new Error(`serve exited (${code}): ${out}`)));
      });
    try {
      const [fromDir, fromCh] = await Promise.all([start(["--dir", dir]), start(["--store", target])]);
      for (const path of ["/api/sessions", "/api/sessions/s-2-1", "/api/stats"]) {
        const [a, b] = await Promise.all([fromDir, fromCh].map(async (base) => {
          const res = await fetch(`${base}${path}`);
          expect(res.status, path).toBe(200);
          return res.json();
        }));
        expect(JSON.stringify(b).length, path).toBeGreaterThan(50);
        expect(b, path).toEqual(a);
      }
    } finally {
      await Promise.all(servers.filter((c) => c.exitCode === null).map((c) => new Promise((r) => (c.once("exit", r), c.kill("SIGTERM")))));
    }
  }, 120_000);

  it("migrate is idempotent and names the server's version", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await runCli(["migrate", "--store", target]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Migrated ${database}\\.${table} \\(ClickHouse \\d+\\.\\d+`));
    }
  }, 120_000);

  it("erase: --dry-run changes nothing; --yes tombstones the user's rows under signed records, in every copy, recorded", async () => {
    const plan = await runCli(["erase", "--store", target, "--user", "carol", "--dry-run"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/Erase user "carol" in .*: 32 rows of \d+ chains? and 1 user/);
    expect(plan.stdout).toContain("--dry-run: nothing was changed.");
    const [still] = await raw(`SELECT count() AS n FROM ${database}.${table} FINAL WHERE user_id = 'carol'`);
    expect(Number(still!.n)).toBe(32);
    // Not on a terminal and without --yes: refused, nothing changed.
    const refused = await runCli(["erase", "--store", target, "--user", "carol"]);
    expect(refused.code).not.toBe(0);
    // A duplicate not merged yet must be erased too.
    const sink = clickhouseSink({ ...sinkOptions(), migrate: false });
    await sink.send((await collect(jsonl.events({ userId: "carol" }))).slice(0, 4));
    await sink.close?.();

    const erased = await runCli(["erase", "--yes", "--store", target, "--user", "carol", "--actor", "dpo", "--reason", "request 7"]);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toMatch(/Erased 32 rows of the user in ClickHouse under 1 signed erasure record/);
    // Without FINAL: no copy keeps the user or the content.
    const [left] = await raw(`SELECT count() AS n FROM ${database}.${table} WHERE user_id = 'carol' OR position(data, 'question 0.2') > 0 OR session_id = 's-0-0' AND position(data, 'question') > 0 AND erased IS NULL AND user_id IS NULL`);
    expect(Number(left!.n)).toBe(0);
    // Not even under the null flag: a Nullable column set to NULL keeps its old value on disk unless overwritten first.
    const [hidden] = await raw(`SELECT count() AS n FROM ${database}.${table} WHERE assumeNotNull(user_id) = 'carol' OR assumeNotNull(name) IN ('book', 'search', 'gpt-4o-mini') AND erased IS NOT NULL OR assumeNotNull(tool) != '' AND erased IS NOT NULL`);
    expect(Number(hidden!.n)).toBe(0);
    const tomb = await collect(ch.events({ types: ["input"] }));
    const tombstones = tomb.filter((e) => e.erased);
    expect(tombstones).toHaveLength(8);
    expect(tombstones[0]).toMatchObject({ data: {}, erased: { by: "dpo", reason: "request 7" } });
    expect(tombstones[0]!.user_id).toBeUndefined();
    expect(tombstones[0]!.content_hash).toMatch(/^[0-9a-f]{64}$/);
    // The signed record names exactly those rows and verifies with the trail's key.
    const records = (await raw(`SELECT record FROM ${database}.${table}_erasures`)).map((r) => JSON.parse(r.record!) as ErasureRecord);
    expect(records).toHaveLength(1);
    expect(records[0]!.events).toHaveLength(32);
    const { key } = existingSigningKey({});
    expect(erasureSignatureValid(createPublicKey(key!), records[0]!)).toBe(true);
    const log = await raw(`SELECT actor, action, detail FROM ${database}.${table}_maintenance ORDER BY at`);
    expect(log.map((r) => [r.actor, r.action, JSON.parse(r.detail!).count])).toEqual([["dpo", "erase", 32]]);
    // Erased the same way in the JSONL trail, both answer alike again: the tombstones' tools and
    // models are "unknown", their tokens and cost gone, their sessions no longer listed.
    const inDir = await runCli(["erase", "--yes", "--dir", dir, "--user", "carol", "--actor", "dpo"]);
    expect(inDir.code, inDir.stderr).toBe(0);
    const tools = await jsonl.toolStats();
    expect(tools.map((t) => t.tool)).toContain("unknown");
    expect(await ch.toolStats()).toEqual(tools);
    expect(await ch.modelUsage()).toEqual(await jsonl.modelUsage());
    expect(await ch.userUsage()).toEqual(await jsonl.userUsage());
    expect((await ch.userUsage()).map((u) => u.user_id)).not.toContain("carol");
    expect(await ch.errorRate()).toEqual(await jsonl.errorRate());
    expect(await summarizeSessions(ch.events({}, { ordered: false }))).toEqual(await listSessions(dir));
    // Nothing left to erase: an empty plan, no mutation.
    const again = await runCli(["erase", "--yes", "--store", target, "--user", "carol"]);
    expect(again.stdout).toMatch(/no rows match/);
  }, 120_000);

  it("purge: rows older than the limit are deleted by a mutation and recorded", async () => {
    const [all] = await raw(`SELECT count() AS n FROM ${database}.${table} FINAL`);
    const dry = await runCli(["purge", "--dry-run", "--store", target, "--older-than", "1d"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`Purge rows older than .*: ${all!.n} rows`));
    const purged = await runCli(["purge", "--yes", "--store", target, "--older-than", "1d", "--actor", "ops", "--json"]);
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout).rows).toBe(Number(all!.n));
    const [left] = await raw(`SELECT count() AS n FROM ${database}.${table}`);
    expect(Number(left!.n)).toBe(0);
    const log = await raw(`SELECT actor, action, detail FROM ${database}.${table}_maintenance ORDER BY at, action`);
    expect(log.map((r) => [r.actor, r.action])).toContainEqual(["ops", "purge"]);
  }, 120_000);
});

describe.skipIf(!URL_)("clickhouseSink forwarded erasure", () => {
  it("erase(traceIds), what trail.eraseUser forwards, tombstones those traces' rows under a signed record and nothing else", async () => {
    const u = new URL(URL_!);
    const database = `aat_fwd_${process.pid}`;
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const sink = clickhouseSink({ url: `http://${u.host}`, username: u.username, password: decodeURIComponent(u.password), database, table: "t", signingKey: privateKey });
    const store = new ClickHouseStore(`clickhouse://${u.username}:${u.password}@${u.host}/${database}?table=t`);
    try {
      const trail = createAuditTrail({ sinks: [sink], redaction: false, delivery: { lingerMs: 0 } });
      for (const trace of ["00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000b2"]) {
        trail.emit({ level: "info", type: "input", session_id: `s-${trace.slice(-2)}`, user_id: "dana", trace_id: trace, data: { content: `secret ${trace.slice(-2)}` } });
      }
      expect((await trail.shutdown({ timeoutMs: 20_000 })).complete).toBe(true);
      const result = await sink.erase!(["00000000-0000-4000-8000-0000000000a1"]);
      expect(result).toMatchObject({ ok: true, detail: expect.stringMatching(/^1 row\(s\) tombstoned in .*t under 1 signed erasure record/) });
      const events = await collect(store.events());
      expect(events.map((e) => [e.trace_id, e.data, e.user_id])).toEqual([
        ["00000000-0000-4000-8000-0000000000a1", {}, undefined],
        ["00000000-0000-4000-8000-0000000000b2", { content: "secret b2" }, "dana"],
      ]);
      const [rec] = await store.conn.rows<{ record: string }>(`SELECT record FROM ${database}.t_erasures`);
      expect(erasureSignatureValid(publicKey, JSON.parse(rec!.record))).toBe(true);
    } finally {
      await store.conn.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await store.close();
    }
  }, 60_000);

  it(`erases more rows than one statement may name (${IDS_PER_MUTATION} ids a mutation, under max_query_size)`, async () => {
    const u = new URL(URL_!);
    const database = `aat_many_${process.pid}`;
    const { privateKey } = generateKeyPairSync("ed25519");
    const sink = clickhouseSink({ url: `http://${u.host}`, username: u.username, password: decodeURIComponent(u.password), database, table: "t" });
    const conn = new ClickHouseConnection(parseClickHouseTarget(`clickhouse://${u.username}:${u.password}@${u.host}/${database}?table=t`));
    try {
      const n = 8000; // ≈ 320 KB of ids: more than one statement may hold
      const hex = (i: number, width: number) => i.toString(16).padStart(width, "0");
      const events = Array.from({ length: n }, (_, i) => ({ schema_version: "1", id: `01900000-0000-7000-8000-${hex(i, 12)}`, ts: new Date(T0 + i * 1000).toISOString(), seq: i, level: "info", type: "custom", user_id: "erin", data: { n: i }, chain_id: "01900000-0000-7000-8000-000000000001", content_hash: hex(i, 64) }) as AuditEvent);
      expect(await sink.send(events)).toEqual({ ok: true });
      const result = await eraseClickHouse(conn, { userId: "erin" }, { actor: "dpo", signingKey: privateKey });
      expect(result.events).toBe(n);
      expect(result.records[0]!.events).toHaveLength(n);
      const [left] = await conn.rows<{ n: string }>(`SELECT count() AS n FROM ${database}.t WHERE assumeNotNull(user_id) = 'erin' OR erased IS NULL`);
      expect(Number(left!.n)).toBe(0);
    } finally {
      await sink.close?.();
      await conn.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await conn.close();
    }
  }, 120_000);
});

describe.skipIf(!URL_)("clickhouseSink faults", () => {
  const u = new URL(URL_ ?? "http://x");
  const event = { schema_version: "1", id: "01900000-0000-7000-8000-00000000000a", ts: "2026-11-01T00:00:00.000Z", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01900000-0000-7000-8000-000000000001" } as AuditEvent;

  it("a refused connection is retryable; a database that does not exist (migrate: false) is not; a bad name is a config error", async () => {
    const down = clickhouseSink({ url: "http://127.0.0.1:1", table: "x", delivery: { timeoutMs: 2000 } });
    expect(await down.send([event])).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/ClickHouse connection error at http:\/\/127\.0\.0\.1:1/) });
    await down.close?.();
    const missing = clickhouseSink({ url: `http://${u.host}`, username: u.username, password: decodeURIComponent(u.password), database: "no_such_db_here", table: "x", migrate: false });
    const result = await missing.send([event]);
    expect(result).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/ClickHouse error 81/) });
    expect(JSON.stringify(result)).not.toContain(decodeURIComponent(u.password));
    await missing.close?.();
    expect(() => clickhouseSink({ url: `http://${u.host}`, table: "x; DROP TABLE y" })).toThrow(/SQL identifier/);
    expect(() => clickhouseSink({ url: "clickhouse://h:8123", table: "x" })).toThrow(/http:\/\/ or https:\/\//);
  });
});
