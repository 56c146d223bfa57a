// erase and purge against a postgres:// store, through the built CLI: the plan first, a refusal
// without --yes off a terminal, --dry-run, a y/N question in a pseudo-terminal (util-linux
// `script`), and --yes. "Changes nothing" is every row of the three tables, unchanged. A real
// server: run with scripts/with-postgres.sh (or set DATABASE_URL); skipped without one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { postgresSink } from "../../src/sinks/postgres.js";
import { runCli, runInTerminal } from "./run-cli.js";

const DB = process.env.DATABASE_URL;
if (!DB) console.warn("postgres-confirm.test: DATABASE_URL is not set and no PostgreSQL server could be started; skipped");

describe.skipIf(!DB)("PostgreSQL: erase and purge show their plan and ask", { timeout: 120_000 }, () => {
  let pool: pg.Pool;
  let scratch: string;
  const tables: string[] = [];
  const previousKeyDir = process.env.AGENT_AUDIT_KEY_DIR;

  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DB, max: 2 });
    scratch = mkdtempSync(join(tmpdir(), "audit-cli-pg-"));
    // This file's own key store: the trail creates its key here, the CLI children inherit it.
    process.env.AGENT_AUDIT_KEY_DIR = join(scratch, "keys");
  });
  afterAll(async () => {
    for (const t of tables) await pool.query(`DROP TABLE IF EXISTS ${t}, ${t}_erasures, ${t}_maintenance CASCADE`);
    await pool.end();
    rmSync(scratch, { recursive: true, force: true });
    if (previousKeyDir === undefined) delete process.env.AGENT_AUDIT_KEY_DIR;
    else process.env.AGENT_AUDIT_KEY_DIR = previousKeyDir;
  });

  /** 4 events of u-old 120 days ago, 3 each of u-1 and u-2 now: through the real sink. */
  async function table(): Promise<string> {
    const t = `cc_${process.pid}_${tables.length + 1}`;
    tables.push(t);
    const dir = mkdtempSync(join(scratch, "trail-"));
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), postgresSink({ connectionString: DB!, table: t, delivery: { lingerMs: 0 } })], redaction: false, exitHandlers: false });
    const old = Date.now() - 120 * 86_400_000;
    for (let i = 0; i < 4; i++) trail.emit({ level: "info", type: "custom", user_id: "u-old", session_id: "s-old", data: { i }, time: old + i });
    for (let i = 0; i < 6; i++) trail.record({ type: "custom", user_id: i % 2 ? "u-2" : "u-1", session_id: `s-${i % 2}`, data: { i } });
    expect((await trail.shutdown({ timeoutMs: 20_000 })).complete).toBe(true);
    return t;
  }

  /** Every row of the events, erasures and maintenance tables. */
  async function snapshot(t: string): Promise<string> {
    const parts = await Promise.all([t, `${t}_erasures`, `${t}_maintenance`].map((name) => pool.query(`SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') AS rows FROM ${name} x`)));
    return parts.map((p) => p.rows[0].rows as string).join("\n--\n");
  }

  const count = async (t: string, where: string) => (await pool.query(`SELECT count(*)::int AS n FROM ${t} WHERE ${where}`)).rows[0].n as number;

  async function verifies(t: string): Promise<void> {
    const r = await runCli(["verify", DB!, "--table", t, "--json"]);
    expect(JSON.parse(r.stdout).problems).toEqual([]);
    expect(r.code).toBe(0);
  }

  it("erase: refuses without --yes off a terminal, --dry-run changes nothing, 'n' aborts, 'y' and --yes erase", async () => {
    const t = await table();
    const before = await snapshot(t);
    const refused = await runCli(["erase", "--user", "u-1", "--actor", "dpo", "--table", t, DB!]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^Erase user "u-1" in postgres://127\\.0\\.0\\.1:\\d+ ${t}: 3 rows of 1 chain and 1 user, from `));
    expect(refused.stderr).toMatch(/refusing to erase without confirmation.*Pass --yes/);
    expect(await snapshot(t)).toBe(before);

    const dry = await runCli(["erase", "--user", "u-1", "--table", t, "--dry-run", "--json", DB!]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, plan: { rows: 3, users: ["u-1"] } });
    expect(await snapshot(t)).toBe(before);

    const no = await runInTerminal(["erase", "--user", "u-1", "--actor", "dpo", "--table", t, DB!], "n\n");
    expect(no.screen).toMatch(/Erase\? \[y\/N\]/);
    expect(no.code).toBe(1);
    expect(await snapshot(t)).toBe(before);
    await verifies(t);

    const yes = await runInTerminal(["erase", "--user", "u-1", "--actor", "dpo", "--table", t, DB!], "y\n");
    expect(yes.screen).toContain("Erased 3 rows of the user in PostgreSQL under 1 signed erasure record");
    expect(yes.code).toBe(0);
    expect(await count(t, "erased IS NOT NULL")).toBe(3);

    const flagged = await runCli(["erase", "--user", "u-2", "--actor", "dpo", "--table", t, "--yes", "--json", DB!]);
    expect(flagged.code).toBe(0);
    expect(JSON.parse(flagged.stdout)).toMatchObject({ events: 3 });
    expect(await count(t, "erased IS NOT NULL")).toBe(6);
    await verifies(t);
  });

  it("purge: refuses without --yes, --dry-run and 'n' change nothing, --yes deletes exactly the expired rows", async () => {
    const t = await table();
    const before = await snapshot(t);
    const refused = await runCli(["purge", "--store", DB!, "--table", t, "--older-than", "90d"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^Purge rows older than \S+ in .*: 4 rows of 1 chain and 1 user, from /);
    expect(refused.stdout).toContain("users: u-old");
    expect(refused.stderr).toContain("Pass --yes");
    const dry = await runCli(["purge", "--store", DB!, "--table", t, "--older-than", "90d", "--dry-run", "--json"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, plan: { rows: 4 } });
    const no = await runInTerminal(["purge", "--store", DB!, "--table", t, "--older-than", "90d"], "n\n");
    expect(no.code).toBe(1);
    expect(await snapshot(t)).toBe(before);

    const done = await runCli(["purge", "--store", DB!, "--table", t, "--older-than", "90d", "--yes"]);
    expect(done.stdout).toMatch(/Purged 4 rows older than/);
    expect(done.code).toBe(0);
    expect(await count(t, "true")).toBe(6);
    expect(await count(t, "user_id = 'u-old'")).toBe(0);
  });
});
