/**
 * `verifyPostgres(url, { table, publicKey })`: the PostgreSQL store held to the same hash chain as
 * the trail directory (seal.ts), each chain read in seq order a page at a time (keyset pagination
 * on the (chain_id, seq, id) index: constant memory however long the chain). It names, by row id,
 * modified rows (content or envelope), broken links, deleted rows (seq gaps, unless a sealed
 * trail.gap record declares them), inserted or duplicated rows, tombstones no trusted signed
 * erasure record in `<t>_erasures` covers or that still hold content, and erasure records with a
 * bad signature (record-checks.ts decides a tombstone exactly as for the trail). Signatures are
 * checked only with keys from outside the database (trust.ts).
 *
 * What it cannot see: PostgreSQL keeps no signed checkpoints, so rows cut from a chain's end, or a
 * whole chain deleted, show only where a signed erasure record names a seq beyond what is left.
 * Verify the local trail (its checkpoints) for those.
 */
import type { KeyObject } from "node:crypto";
import pg from "pg";
import type { AuditEvent } from "../events/schema.js";
import { erasureSignatureValid, parseErasureRecord, type ErasureRecord } from "../integrity/erasure-records.js";
import { erasureProblem } from "../integrity/record-checks.js";
import { GAP_RECORD, type GapData } from "../integrity/records.js";
import { contentHash, envelopeHash, GENESIS } from "../integrity/seal.js";
import { trustedKeysFor } from "../integrity/trust.js";
import type { ChainReport, VerifyProblem, VerifyReport } from "../integrity/verify-report.js";
import { DEFAULT_TABLE, checkTableName } from "./postgres-schema.js";
import { rowToEvent } from "./postgres-store.js";
import type { PgPoolLike } from "./pg-pool-like.js";

export interface PostgresVerifyOptions {
  table?: string;
  /** The key you trust; else AGENT_AUDIT_PUBLIC_KEY, else the local key store. Never one stored in the database. */
  publicKey?: KeyObject | string;
  /** Use this pool instead of connecting to the URL (it is left open). */
  pool?: PgPoolLike;
  /** Rows per page (default 2,000). */
  pageSize?: number;
}

const HOW_TO_TRUST = "pass --public-key <key.pem> (the trail key's public half, from a copy you keep elsewhere), set AGENT_AUDIT_PUBLIC_KEY, or add it with `agent-audit trust add <key.pem>`";
const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export async function verifyPostgres(url: string | undefined, options: PostgresVerifyOptions = {}): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  const table = checkTableName(options.table ?? DEFAULT_TABLE);
  const { keys, source } = trustedKeysFor(options.publicKey);
  const report: VerifyReport = { ok: true, problems: [], warnings: [], chains: [], erasures: [], gaps: [], recoveries: [], events: 0, seconds: 0, eventsPerSecond: 0, publicKeyTrusted: keys.size > 0, trust_source: source, store: { kind: "postgres", table } };
  if (keys.size === 0) report.problems.push({ kind: "untrusted_key", chain_id: "*", detail: `no trusted public key to check the erasure records with: ${HOW_TO_TRUST}` });
  const pool: PgPoolLike = options.pool ?? new pg.Pool({ connectionString: url, max: 1 });
  try {
    // Chains with rows, and chains only an erasure record remembers (every row of them deleted).
    const chains = await pool.query<{ chain_id: string }>(`SELECT chain_id FROM ${table} GROUP BY chain_id UNION SELECT chain_id FROM ${table}_erasures ORDER BY 1`).then(
      (r) => r.rows,
      (err: { code?: string; message?: string }) => {
        if (err.code !== "42P01") throw err;
        if (!String(err.message).includes(`${table}_erasures`)) throw new Error(`no table ${table} in this database (${err.message}); name it with --table`);
        throw new Error(`${err.message}: run agent-audit migrate --store postgres://… --table ${table} once (this version adds ${table}_erasures, where signed erasures are kept)`);
      },
    );
    const purges = await purgesLogged(pool, table);
    for (const { chain_id } of chains) {
      report.chains.push(await verifyChain(pool, table, chain_id, keys, options.pageSize ?? 2000, purges, report));
    }
  } finally {
    if (!options.pool) await pool.end();
  }
  report.ok = report.problems.length === 0;
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  report.eventsPerSecond = report.events / Math.max(report.seconds, 1e-9);
  return report;
}

/** Retention by `<t>_purge` deletes rows without signing anything; verify can only point at the log. */
async function purgesLogged(pool: PgPoolLike, table: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ at: string; actor: string }>(`SELECT to_char(at AT TIME ZONE 'UTC', ${ISO}) AS at, actor FROM ${table}_maintenance WHERE action = 'purge' ORDER BY id DESC LIMIT 1`);
  const last = rows[0];
  return last ? ` (${table}_maintenance records a purge by ${last.actor} at ${last.at}: retention in PostgreSQL is not signed, so verify cannot tell it from deletion)` : undefined;
}

/** The chain's signed erasure records: seq → the trusted record covering it. */
async function signedErasures(pool: PgPoolLike, table: string, chain: string, keys: ReadonlyMap<string, KeyObject>, problem: (p: Omit<VerifyProblem, "chain_id">) => void) {
  const signed = new Map<number, { content_hash: string; record: ErasureRecord }>();
  const file = `${table}_erasures`;
  const untrusted = new Set<string>();
  // Records are small and few (one per chain per erasure); their event lists are what verify needs.
  const { rows } = await pool.query<{ id: string; record: unknown }>(`SELECT id, record FROM ${file} WHERE chain_id = $1 ORDER BY id`, [chain]);
  for (const row of rows) {
    const record = parseErasureRecord(row.record);
    const key = record && keys.get(record.key_id);
    if (!record) problem({ kind: "forged_erasure", file, detail: `row ${row.id} is not an erasure record` });
    else if (record.chain_id !== chain) problem({ kind: "forged_erasure", file, detail: `row ${row.id}: a record of chain ${record.chain_id} filed under this chain` });
    else if (!key) {
      if (keys.size && !untrusted.has(record.key_id)) {
        untrusted.add(record.key_id);
        problem({ kind: "untrusted_key", file, detail: `erasure records are signed by key ${record.key_id}, which is not trusted here: ${HOW_TO_TRUST}` });
      }
    } else if (!erasureSignatureValid(key, record)) problem({ kind: "forged_erasure", file, detail: `row ${row.id}: an erasure record has a bad signature` });
    else for (const ev of record.events) signed.set(ev.seq, { content_hash: ev.content_hash, record });
  }
  return signed;
}

async function verifyChain(pool: PgPoolLike, table: string, chain: string, keys: ReadonlyMap<string, KeyObject>, pageSize: number, purges: string | undefined, report: VerifyReport): Promise<ChainReport> {
  const problem = (p: Omit<VerifyProblem, "chain_id">) => report.problems.push({ chain_id: chain, ...p });
  const signed = await signedErasures(pool, table, chain, keys, problem);
  const chainReport: ChainReport = { chain_id: chain, events: 0, first_seq: undefined, last_seq: undefined, checkpoints: 0, verified_to: undefined, erased: 0, purged: [] };
  // Seq gaps are judged at the end: a trail.gap record later in the chain may declare them.
  const missing: Array<{ first: number; last: number; id: string; nextPrevHash: string | undefined }> = [];
  const declared: Array<{ seq: number; data: GapData & { reason?: string } }> = [];
  let expected = 1;
  let prev = GENESIS;
  let after: { seq: number; id: string } | undefined;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT *, to_char(ts AT TIME ZONE 'UTC', ${ISO}) AS ts_iso FROM ${table} WHERE chain_id = $1 ${after ? "AND (seq, id) > ($3, $4::uuid)" : ""} ORDER BY seq, id LIMIT $2`,
      after ? [chain, pageSize, after.seq, after.id] : [chain, pageSize],
    );
    for (const row of rows) {
      const e = rowToEvent(row);
      const at = { file: table, id: e.id, seq: e.seq };
      report.events++;
      chainReport.events++;
      chainReport.first_seq ??= e.seq;
      if (e.seq > expected) missing.push({ first: expected, last: e.seq - 1, id: e.id, nextPrevHash: e.prev_hash });
      else if (e.seq < expected) problem({ kind: "inserted", ...at, detail: `seq ${e.seq} after ${expected - 1}: inserted or duplicated` });
      if (e.erased) {
        if (acceptTombstone(e, signed, at, chain, report)) chainReport.erased++;
      }
      else if (!e.salt || !e.content_hash || contentHash(e.salt, e) !== e.content_hash) problem({ kind: "modified", ...at, detail: "content does not match its content_hash" });
      else if (e.type === "custom" && e.name === GAP_RECORD) declared.push({ seq: e.seq, data: e.data as unknown as GapData });
      if (!e.hash || envelopeHash(e) !== e.hash) problem({ kind: "modified", ...at, detail: "envelope does not match its hash" });
      else if (e.seq === expected && e.prev_hash !== prev) problem({ kind: "broken_link", ...at, detail: "prev_hash does not match the previous event" });
      prev = e.hash ?? prev;
      expected = Math.max(expected, e.seq + 1);
    }
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1]!;
    after = { seq: Number(last.seq), id: String(last.id) };
  }
  for (const m of missing) {
    const d = declared.find((g) => g.data.first_seq === m.first && g.data.last_seq === m.last);
    if (d && d.data.last_hash === m.nextPrevHash && d.seq > m.last) {
      report.gaps.push({ chain_id: chain, first_seq: m.first, last_seq: m.last, count: m.last - m.first + 1, sink: String(d.data.sink), declared_at: d.seq, reason: d.data.reason });
    } else {
      const why = m.first === 1 && purges ? purges : " (deleted, or never delivered here: `agent-audit status` on the writer's trail lists dead letters)";
      problem({ kind: "deleted", file: table, id: m.id, seq: m.last + 1, detail: `events ${m.first}–${m.last} are missing${why}` });
    }
  }
  chainReport.last_seq = expected > 1 && chainReport.first_seq !== undefined ? expected - 1 : undefined;
  // The only signed statement about a chain's length here: the events an erasure record names.
  let named = 0;
  for (const seq of signed.keys()) named = Math.max(named, seq);
  if (named > expected - 1) {
    if (chainReport.events === 0) problem({ kind: "deleted_chain", file: table, seq: named, detail: `a signed erasure record names seq ${named} of this chain, but none of its rows is left: the chain was deleted` });
    else problem({ kind: "truncated", file: table, seq: named, detail: `a signed erasure record names seq ${named}, but the chain's rows end at ${expected - 1}: rows were cut from its end` });
  }
  return chainReport;
}

/** A legitimate erasure is listed (true); any other tombstone is forged_erasure. */
function acceptTombstone(e: AuditEvent, signed: ReadonlyMap<number, { content_hash: string; record: ErasureRecord }>, at: { file: string; id: string; seq: number }, chain: string, report: VerifyReport): boolean {
  const forged = erasureProblem(e, signed);
  if (forged) {
    // The usual way to get here honestly: a DBA ran the unsigned SQL functions.
    const hint = signed.has(e.seq) ? "" : `; erasures by ${at.file}_erase_user / _erase_traces run directly are unsigned: erase with agent-audit erase --user <id> postgres://…`;
    report.problems.push({ kind: "forged_erasure", chain_id: chain, ...at, detail: forged + hint });
    return false;
  }
  const { record } = signed.get(e.seq)!;
  // Who, when and why come from the signed record, never from the tombstone.
  report.erasures.push({ chain_id: chain, seq: e.seq, file: at.file, id: at.id, at: record.at, by: record.by, reason: record.reason });
  return true;
}
