// ClickHouse goes down and comes back, and nothing is lost: a writer (the built package, in a child
// process) streams events to its JSONL trail and to a real clickhouse-server through a TCP proxy
// that refuses connections, resets them mid-body, lets inserts land but drops the answer (so the
// retry inserts them again), and hangs; the writer is killed (-9) during the hang, and a second
// process on the directory must deliver what was left. Then ClickHouseStore (the real reader) must
// answer exactly as the JSONL trail does: every event once, the same stats, although the table
// physically holds the duplicates the retries made (merges are stopped so they stay).
// Needs CLICKHOUSE_URL: `scripts/with-clickhouse.sh npx vitest run test/faults/clickhouse-down.test.ts`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClickHouseConnection } from "../../src/store/clickhouse-connection.js";
import { migrateClickHouse } from "../../src/store/clickhouse-migrate.js";
import { ClickHouseStore } from "../../src/store/clickhouse-store.js";
import { JsonlStore } from "../../src/store/jsonl-store.js";
import { statsReport } from "../../src/store/stats-report.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { FaultyProxy, runChild, type ChildLine, type ProxyMode } from "./harness.js";

const URL_ = process.env.CLICKHOUSE_URL;
if (!URL_) console.warn("clickhouse-down.test: CLICKHOUSE_URL is not set (scripts/with-clickhouse.sh starts a server); skipped");

const DELIVERY = { batchSize: 100, lingerMs: 250, initialBackoffMs: 50, maxBackoffMs: 300, timeoutMs: 800 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const collect = async (it: AsyncIterable<AuditEvent>) => {
  const out: AuditEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};
interface SinkStats {
  delivered: number;
  retries?: number;
  pending?: number;
  last_error?: string;
}
const chStats = (line: ChildLine) => (line.stats as { sinks: { clickhouse: SinkStats } }).sinks.clickhouse;

describe.skipIf(!URL_)("ClickHouse down, reset, hung, and back (real server, built package, kill -9)", () => {
  const u = new URL(URL_ ?? "http://x");
  const database = `aat_down_${process.pid}_${Date.now() % 100000}`;
  const table = "events";
  const direct = new ClickHouseConnection({ url: `http://${u.host}`, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database, table });
  const proxy = new FaultyProxy({ host: u.hostname, port: Number(u.port) });
  let store: ClickHouseStore | undefined;
  let mergesStopped = false;

  beforeAll(async () => {
    // The tables exist before the writer starts, so merges can be stopped on them: the copies
    // that redelivery makes then stay in the table, and only the reader's FINAL can fold them.
    await migrateClickHouse(direct);
    try {
      await direct.command(`SYSTEM STOP MERGES ${database}.${table}`);
      mergesStopped = true;
    } catch {
      // a server without per-table STOP MERGES: the duplicates may be merged away before we look
    }
    await proxy.open();
    store = new ClickHouseStore(`clickhouse://${u.username}:${u.password}@${u.host}/${database}?table=${table}`);
  }, 30_000);

  afterAll(async () => {
    await proxy.close();
    await direct.command(`SYSTEM START MERGES ${database}.${table}`).catch(() => {});
    await direct.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
    await direct.close();
    await store?.close();
  }, 30_000);

  it("every event on disk is in ClickHouse exactly once as readers see it, with the same stats", async () => {
    const dir = tempDir(); // removed when the test ends, pass or fail
    const clickhouse = { url: `http://127.0.0.1:${proxy.port}`, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database, table };
    const child = "clickhouse-child.mjs";
    const phase = async (mode: ProxyMode, ms: number) => {
      await proxy.set(mode);
      await sleep(ms);
    };

    // The writer streams (about 60 events a second) through every kind of outage, and is killed in the last.
    const writer = runChild({ dir, clickhouse, delivery: DELIVERY, label: "a", then: "stream", yieldMs: 15, statsEveryMs: 150 }, { child });
    await writer.waitFor((l) => l.step === "streaming");
    await phase("pass", 800);
    await phase("refuse", 1_200);
    await phase("reset", 1_200);
    await phase("pass", 400);
    await phase("drop-answer", 1_200);
    await phase("hang", 1_500);
    const beforeKill = writer.lines.filter((l) => l.step === "stats").at(-1)!;
    writer.proc.kill("SIGKILL");
    expect((await writer.exit).signal).toBe("SIGKILL");

    // The next process on the directory starts while ClickHouse still hangs (its tables' creation
    // hangs too), then the server answers again: it must deliver its own events and the dead writer's.
    const restart = runChild({ dir, clickhouse, delivery: DELIVERY, label: "b", count: 40, then: "shutdown", timeoutMs: 40_000 }, { child });
    await restart.waitFor((l) => l.step === "recorded");
    await sleep(1_500);
    await proxy.set("pass");
    const exit = await restart.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const done = restart.step("shut-down")!;

    // Every phase really happened, and the trail saw it.
    for (const mode of ["pass", "reset", "drop-answer", "hang"] as const) expect(proxy.accepted[mode], mode).toBeGreaterThan(0);
    expect(proxy.answersDropped, "inserts that ran although the client was cut off").toBeGreaterThan(0);
    const seen = chStats(beforeKill);
    expect(seen.retries).toBeGreaterThan(0);
    expect(seen.pending).toBeGreaterThan(0); // the kill left work for the restart
    // onError said the sink was failing; stats named each kind of failure as it happened.
    expect((beforeKill.errors as string[]).join("\n")).toContain(`sink "clickhouse" is failing, retrying with backoff: ClickHouse connection error at http://127.0.0.1:${proxy.port}`);
    const lastErrors = new Set(writer.lines.filter((l) => l.step === "stats").map((l) => chStats(l).last_error));
    expect(lastErrors).toContain(`ClickHouse connection error at http://127.0.0.1:${proxy.port}`);
    expect(lastErrors).toContain("no answer within 800 ms"); // the hang: the sink's timeout fired
    expect(chStats(done).retries).toBeGreaterThan(0);
    expect(done.result).toMatchObject({ complete: true, pending: { clickhouse: 0 } });

    // What readers see: exactly the trail on disk, each event once, and the same figures.
    const jsonl = new JsonlStore(dir);
    const onDisk = await collect(jsonl.events());
    const recorded = [...writer.recorded(), ...restart.recorded()];
    expect(new Set(onDisk.map((e) => e.id))).toEqual(new Set(recorded));
    expect(onDisk.length).toBeGreaterThan(200);
    const inClickHouse = await collect(store!.events());
    expect(inClickHouse.length).toBe(onDisk.length);
    expect(new Set(inClickHouse.map((e) => e.id)).size).toBe(inClickHouse.length);
    expect(inClickHouse).toEqual(onDisk);
    expect(await statsReport(store!, {})).toEqual(await statsReport(jsonl, {}));

    // …although the table holds copies: the retries after dropped answers inserted batches twice.
    const [raw] = await direct.rows<{ n: string }>(`SELECT count() AS n FROM ${database}.${table}`);
    if (mergesStopped) expect(Number(raw!.n)).toBeGreaterThan(onDisk.length);
  }, 60_000);
});
