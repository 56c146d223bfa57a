// Erasure in PostgreSQL is a signed fact, and the PostgreSQL store can be verified. Events go in
// through the real postgres sink; erasure and verify run as the built CLI in a child process
// (`npm run build` first; `npm test` does); the attacks are what a DBA or a superuser would do.
// Each asserts the exact finding and the exit status. A real server: scripts/with-postgres.sh
// starts one for `npm test`, or set DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { postgresSink } from "../../src/sinks/postgres.js";
import { envelopeHash } from "../../src/integrity/seal.js";
import { signErasure } from "../../src/integrity/erasure-records.js";
import { verifyPostgres } from "../../src/store/postgres-verify.js";
import { erasePostgres, erasureSigningKey } from "../../src/store/postgres-erase.js";
import { rowToEvent } from "../../src/store/postgres-store.js";
import { COLUMNS } from "../../src/store/postgres-schema.js";
import type { VerifyReport } from "../../src/integrity/verify-report.js";
import { tempDir } from "../helpers.js";
import { cli } from "../faults/harness.js";

const DB = process.env.DATABASE_URL;
if (!DB) console.warn("postgres-erasure.test: DATABASE_URL is not set and no PostgreSQL server could be started; skipped");
// This file's own key store: the trail creates its key here, the CLI children inherit it.
process.env.AGENT_AUDIT_KEY_DIR = tempDir("pg-erasure-keys-");

let pool: pg.Pool;
let tables = 0;

/** 12 events of two users written through the real sink (and the local trail, which holds the key). */
async function writeEvents(): Promise<string> {
  const table = `pe_${process.pid}_${++tables}`;
  const dir = tempDir();
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), postgresSink({ connectionString: DB!, table, delivery: { lingerMs: 0 } })], redaction: false, limits: { maxStringLength: 64 }, exitHandlers: false });
  for (let i = 0; i < 12; i++) {
    const user = i % 2 ? "u-2" : "u-1";
    trail.record({ type: "custom", name: "tick", user_id: user, session_id: `s-${user}`, trace_id: `trace-${user}-${i % 3}`, tags: ["t", user], metadata: { n: i }, duration_ms: 1.25 * i, data: { i, note: i === 4 ? "x".repeat(200) : `event ${i}` } });
  }
  expect((await trail.shutdown({ timeoutMs: 20_000 })).complete).toBe(true);
  expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(12);
  return table;
}

async function erasedTable(): Promise<string> {
  const table = await writeEvents();
  const r = await cli(["erase", "--yes", "--user", "u-1", "--actor", "dpo", "--reason", "Art. 17 request", "--table", table, DB!]);
  expect(r.out).toMatch(/Erased 6 rows of the user in PostgreSQL under 1 signed erasure record \(key/);
  expect(r.code).toBe(0);
  return table;
}

async function findings(table: string, env: Record<string, string> = {}, extra: string[] = []): Promise<{ code: number; kinds: string[]; report: VerifyReport }> {
  const r = await cli(["verify", DB!, "--table", table, "--json", ...extra], env);
  const report = JSON.parse(r.out) as VerifyReport;
  return { code: r.code, kinds: report.problems.map((p) => p.kind), report };
}

/** A superuser's statement with triggers off (session_replication_role = replica): the append-only trigger does not fire. */
async function asSuperuser(sql: string, params: unknown[] = []): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("SET session_replication_role = replica");
    const res = await client.query(sql, params);
    await client.query("RESET session_replication_role");
    return res.rowCount ?? 0;
  } finally {
    client.release();
  }
}

/** Everything in the three tables, to show that something changed nothing. */
async function snapshot(table: string): Promise<string> {
  const parts = await Promise.all([table, `${table}_erasures`, `${table}_maintenance`].map((t) => pool.query(`SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS h, count(*)::int AS n FROM ${t} x`)));
  return parts.map((p) => `${p.rows[0].n}:${p.rows[0].h}`).join(" ");
}

describe.skipIf(!DB)("PostgreSQL: erasure is a signed fact, and the store verifies", () => {
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: DB!, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
  });

  it("a signed erasure through the CLI verifies, and verify lists who, when and why", async () => {
    const table = await erasedTable();
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual([]);
    expect(code).toBe(0);
    expect(report.events).toBe(12);
    expect(report.erasures).toHaveLength(6);
    for (const e of report.erasures) expect(e).toMatchObject({ by: "dpo", reason: "Art. 17 request", file: table, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // The tombstones hold no content: content columns NULL, data {}, no salt.
    const tomb = await pool.query(`SELECT session_id, user_id, name, tags, metadata, data, salt, enc, erased, content_hash FROM ${table} WHERE erased IS NOT NULL`);
    expect(tomb.rows).toHaveLength(6);
    for (const r of tomb.rows) expect(r).toMatchObject({ session_id: null, user_id: null, name: null, tags: null, metadata: null, data: {}, salt: null, enc: null, erased: { by: "dpo", reason: "Art. 17 request" }, content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // One record for the one chain, naming exactly those six rows; append-only like the events.
    const records = await pool.query(`SELECT record FROM ${table}_erasures`);
    expect(records.rows).toHaveLength(1);
    expect(records.rows[0].record).toMatchObject({ type: "erasure", by: "dpo", reason: "Art. 17 request", events: expect.any(Array), key_id: expect.any(String), sig: expect.any(String) });
    expect(records.rows[0].record.events).toHaveLength(6);
    await expect(pool.query(`UPDATE ${table}_erasures SET record = '{}'`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM ${table}_erasures`)).rejects.toThrow(/append-only/);
    // The maintenance log records the signed erasure too.
    expect((await pool.query(`SELECT actor, action, detail FROM ${table}_maintenance`)).rows).toEqual([{ actor: "dpo", action: "erase", detail: { signed: true, count: 6, records: 1, reason: "Art. 17 request" } }]);
    // The human-readable output: the same as for a directory, with row ids for lines.
    const text = await cli(["verify", DB!, "--table", table]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`erased: ${table} id [0-9a-f-]{36} \\(seq \\d+\\) by dpo at \\S+ — Art\\. 17 request`));
    expect(text.out).toMatch(/checked link by link \(PostgreSQL keeps no signed checkpoints\), 6 erased/);
    expect(text.out).toMatch(new RegExp(`✓ postgres://127\\.0\\.0\\.1:\\d+ ${table}: 12 events intact`));
    // Keyset pages of 5 rows give the same answer as one page.
    const paged = await verifyPostgres(DB!, { table, pageSize: 5 });
    expect(paged.problems).toEqual([]);
    expect(paged.erasures.map((e) => e.id)).toEqual(report.erasures.map((e) => e.id));
  });

  it("events round-trip exactly (tags, metadata, durations, truncated paths), so an untouched table verifies", async () => {
    const table = await writeEvents();
    const { rows } = await pool.query(`SELECT *, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts_iso FROM ${table} WHERE truncated IS NOT NULL`);
    expect(rows).toHaveLength(1);
    expect(rowToEvent(rows[0]).truncated).toEqual(["data.note"]);
    expect(await findings(table)).toMatchObject({ code: 0, kinds: [] });
  });

  it("attack: a DBA erases through the unsigned SQL function: forged_erasure for every row it tombstoned", async () => {
    const table = await erasedTable();
    expect((await pool.query(`SELECT ${table}_erase_user('u-2', 'dba', 'cleanup') AS n`)).rows[0].n).toBe(6);
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual(Array(6).fill("forged_erasure"));
    expect(report.problems[0]!.detail).toMatch(/no signed erasure record covers.*unsigned/);
    expect(code).toBe(1);
  });

  it("attack: a superuser tombstones a row with triggers disabled, marker copied from the real erasure: forged_erasure", async () => {
    const table = await erasedTable();
    const marker = (await pool.query(`SELECT erased FROM ${table} WHERE erased IS NOT NULL LIMIT 1`)).rows[0].erased;
    const n = await asSuperuser(
      `UPDATE ${table} SET session_id = NULL, user_id = NULL, name = NULL, tags = NULL, metadata = NULL, data = '{}', salt = NULL, erased = $1 WHERE id = (SELECT id FROM ${table} WHERE user_id = 'u-2' ORDER BY seq LIMIT 1)`,
      [marker],
    );
    expect(n).toBe(1);
    const { code, kinds } = await findings(table);
    expect(kinds).toEqual(["forged_erasure"]);
    expect(code).toBe(1);
  });

  it("attack: an erased marker on a row whose content is left (and content put back behind a real tombstone): forged_erasure", async () => {
    const table = await erasedTable();
    await asSuperuser(`UPDATE ${table} SET erased = '{"at":"2026-01-01T00:00:00.000Z","by":"dpo"}' WHERE id = (SELECT id FROM ${table} WHERE user_id = 'u-2' ORDER BY seq LIMIT 1)`);
    await asSuperuser(`UPDATE ${table} SET data = '{"i":0,"approved_refund":5000}', user_id = 'u-7' WHERE id = (SELECT id FROM ${table} WHERE erased->>'by' = 'dpo' AND user_id IS NULL ORDER BY seq LIMIT 1)`);
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual(["forged_erasure", "forged_erasure"]);
    const details = report.problems.map((p) => p.detail).join("\n");
    expect(details).toMatch(/no signed erasure record covers/);
    expect(details).toMatch(/a tombstone still holding content \(user_id, data\)/);
    expect(code).toBe(1);
  });

  it("attack: an erasure record edited (its signature no longer holds), or one signed by a key nobody trusts: forged_erasure, untrusted_key", async () => {
    const table = await erasedTable();
    await asSuperuser(`UPDATE ${table}_erasures SET record = jsonb_set(record, '{by}', '"someone else"')`);
    const edited = await findings(table);
    expect(new Set(edited.kinds)).toEqual(new Set(["forged_erasure"]));
    expect(edited.report.problems.filter((p) => /bad signature/.test(p.detail))).toHaveLength(1);
    expect(edited.kinds).toHaveLength(1 + 6); // the record, and each tombstone it no longer covers
    expect(edited.code).toBe(1);

    // A DBA's own erasure made to look signed: the SQL function, then a record signed with their own key.
    const other = await writeEvents();
    await pool.query(`SELECT ${other}_erase_user('u-2', 'dba', 'cleanup')`);
    const rows = (await pool.query(`SELECT chain_id, seq, content_hash, erased FROM ${other} WHERE erased IS NOT NULL ORDER BY seq`)).rows;
    const { at, by, reason } = rows[0].erased;
    const record = signErasure(generateKeyPairSync("ed25519").privateKey, { chain_id: rows[0].chain_id, events: rows.map((r) => ({ seq: Number(r.seq), content_hash: r.content_hash })), at, by, reason });
    await pool.query(`INSERT INTO ${other}_erasures (chain_id, record) VALUES ($1, $2)`, [record.chain_id, JSON.stringify(record)]);
    const planted = await findings(other);
    expect(planted.kinds).toEqual(["untrusted_key", ...Array(6).fill("forged_erasure")]);
    expect(planted.code).toBe(1);
  });

  it("attack: a row's data modified: modified", async () => {
    const table = await erasedTable();
    await asSuperuser(`UPDATE ${table} SET data = jsonb_set(data, '{i}', '99') WHERE id = (SELECT id FROM ${table} WHERE user_id = 'u-2' ORDER BY seq LIMIT 1)`);
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual(["modified"]);
    expect(report.problems[0]).toMatchObject({ file: table, id: expect.stringMatching(/^[0-9a-f-]{36}$/), detail: "content does not match its content_hash" });
    expect(code).toBe(1);
  });

  it("attack: a row deleted: deleted", async () => {
    const table = await erasedTable();
    const victim = (await pool.query(`SELECT seq FROM ${table} WHERE user_id = 'u-2' ORDER BY seq LIMIT 1 OFFSET 2`)).rows[0].seq;
    expect(await asSuperuser(`DELETE FROM ${table} WHERE seq = $1`, [victim])).toBe(1);
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual(["deleted"]);
    expect(report.problems[0]!.detail).toMatch(new RegExp(`events ${victim}–${victim} are missing`));
    expect(code).toBe(1);
  });

  it("attack: a row inserted (a copy under a new id), a link re-pointed: inserted, broken_link", async () => {
    const table = await erasedTable();
    const rest = COLUMNS.filter((c) => c !== "id").join(", ");
    await asSuperuser(`INSERT INTO ${table} (id, ${rest}) SELECT gen_random_uuid(), ${rest} FROM ${table} WHERE seq = 8`);
    // The id is the primary key, so a copy needs a new one, which its envelope hash does not have.
    expect((await findings(table)).kinds).toEqual(["inserted", "modified"]);

    const other = await erasedTable();
    const row = (await pool.query(`SELECT *, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts_iso FROM ${other} WHERE seq = 5`)).rows[0];
    const e = { ...rowToEvent(row), prev_hash: "f".repeat(64) };
    await asSuperuser(`UPDATE ${other} SET prev_hash = $1, hash = $2 WHERE id = $3`, [e.prev_hash, envelopeHash(e), e.id]);
    const { code, kinds } = await findings(other);
    expect(kinds).toEqual(["broken_link", "broken_link"]); // seq 5 links to nothing, seq 6 to the old seq 5
    expect(code).toBe(1);
  });

  it("an erase with no signing key says how to fix it and changes nothing; verify without a trusted key says untrusted_key", async () => {
    const table = await writeEvents();
    const before = await snapshot(table);
    const noKeys = { AGENT_AUDIT_KEY_DIR: tempDir("no-keys-") };
    const r = await cli(["erase", "--yes", "--user", "u-1", "--actor", "dpo", "--table", table, DB!], noKeys);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no signing key at .*signing-key\.pem: an erasure in a database is signed with the trail key, and is refused without it \(nothing was erased\)\. Fix: pass --key-file/);
    expect(await snapshot(table)).toBe(before);
    // With the key named explicitly it works from the same empty key store.
    const keyFile = join(process.env.AGENT_AUDIT_KEY_DIR!, "signing-key.pem");
    expect((await cli(["erase", "--yes", "--user", "u-1", "--actor", "dpo", "--table", table, "--key-file", keyFile, DB!], noKeys)).code).toBe(0);
    // Nothing trusted: no signature can be checked.
    const untrusted = await findings(table, { AGENT_AUDIT_KEY_DIR: tempDir("no-keys-") });
    expect(untrusted.kinds).toEqual(["untrusted_key", ...Array(6).fill("forged_erasure")]);
    expect(untrusted.code).toBe(1);
    // The public key given explicitly is enough.
    const pub = join(tempDir(), "trail.pub.pem");
    writeFileSync(pub, createPublicKey(createPrivateKey(readFileSync(keyFile, "utf8"))).export({ type: "spki", format: "pem" }) as string);
    expect(await findings(table, { AGENT_AUDIT_KEY_DIR: tempDir("no-keys-") }, ["--public-key", pub])).toMatchObject({ code: 0, kinds: [] });
  });

  it("migrate --roles: the admin role (SELECT and EXECUTE only) runs the signed erasure; the reader reads the records", async () => {
    const table = await writeEvents();
    const migrated = await cli(["migrate", "--store", DB!, "--table", table, "--roles"]);
    expect(migrated.code).toBe(0);
    const admin = new pg.Pool({ connectionString: DB!, max: 1, options: `-c role=${table}_admin` });
    try {
      await expect(admin.query(`UPDATE ${table} SET data = '{}'`)).rejects.toThrow(/permission denied/);
      await expect(admin.query(`INSERT INTO ${table}_erasures (chain_id, record) VALUES (gen_random_uuid(), '{}')`)).rejects.toThrow(/permission denied/);
      const result = await erasePostgres(admin, table, { userId: "u-2" }, { actor: "dpo", reason: "Art. 17", signingKey: erasureSigningKey({}, "-") });
      expect(result).toMatchObject({ events: 6, traces: expect.arrayContaining(["trace-u-2-0"]) });
    } finally {
      await admin.end();
    }
    const reader = new pg.Pool({ connectionString: DB!, max: 1, options: `-c role=${table}_reader` });
    try {
      const report = await verifyPostgres(undefined, { table, pool: reader });
      expect(report.problems).toEqual([]);
      expect(report.erasures).toHaveLength(6);
    } finally {
      await reader.end();
    }
  });

  it("trail.eraseUser forwards to the sink, which erases under a signed record too", async () => {
    const table = `pe_${process.pid}_fwd`;
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), postgresSink({ connectionString: DB!, table, delivery: { lingerMs: 0 } })], redaction: false, exitHandlers: false });
    for (let i = 0; i < 6; i++) trail.record({ type: "custom", name: "tick", user_id: i % 2 ? "u-2" : "u-1", trace_id: `trace-${i % 2}`, data: { i } });
    expect((await trail.flush({ timeoutMs: 20_000 })).complete).toBe(true);
    const erased = await trail.eraseUser("u-1", { actor: "dpo", reason: "Art. 17" });
    expect(erased.forwarded.postgres).toBe(`done: 3 row(s) tombstoned in ${table} under 1 signed erasure record(s)`);
    await trail.shutdown({ timeoutMs: 20_000 });
    const { code, kinds, report } = await findings(table);
    expect(kinds).toEqual([]);
    expect(report.erasures.map((e) => e.by)).toEqual(["agent-audit-trail", "agent-audit-trail", "agent-audit-trail"]);
    expect(code).toBe(0);
  });
});
