/**
 * Erasure and retention in ClickHouse, through mutations (`ALTER TABLE … UPDATE / DELETE`), each
 * recorded in `<t>_maintenance`; what they would touch is read first, without changing anything,
 * for the CLI's plan and y/N gate.
 *
 * Erasure is signed like PostgreSQL's (postgres-erase.ts): the rows of the user (or traces) are
 * read, one erasure record per chain names exactly those rows (chain, seq, content_hash) and is
 * signed with the trail key outside the database and stored in `<t>_erasures`; then one mutation
 * tombstones exactly those ids (content fields and the hot fields derived from them cleared, the
 * hash-chain columns kept). ClickHouse has no transactions: the records are written first, so a
 * failure between the two leaves records whose rows are not tombstoned yet (running the erasure
 * again finishes it), never a tombstone without its record.
 */
import type { KeyObject } from "node:crypto";
import { signErasure, type ErasureRecord } from "../integrity/erasure-records.js";
import type { ClickHouseConnection } from "./clickhouse-connection.js";
import { literal, literalList } from "./clickhouse-schema.js";
import type { ErasureTarget } from "./postgres-erase.js";
import type { PostgresPlan } from "./postgres-plan.js";

/** The same shape as PostgreSQL's plan: the CLI describes both alike. */
export type ClickHousePlan = PostgresPlan;

/** The Nullable content columns an erasure clears (the hash-chain columns stay for verify). */
const ERASED_NULLABLE = ["session_id", "user_id", "name", "tags", "metadata", "salt", "enc", "tool", "model", "error_type"] as const;

/** 40 bytes of SQL per id: about 120 KiB a statement. */
export const IDS_PER_MUTATION = 3000;

const targetWhere = (target: ErasureTarget) => ("userId" in target ? `user_id = ${literal(target.userId)}` : `trace_id IN ${literalList(target.traceIds.length ? [...target.traceIds] : [""])}`);

async function plan(conn: ClickHouseConnection, where: string): Promise<ClickHousePlan> {
  const t = `${conn.target.database}.${conn.target.table}`;
  const [r] = await conn.rows<{ n: string; chains: string[]; users: string[]; first_ts: string; last_ts: string }>(
    `SELECT count() AS n, groupUniqArray(chain_id) AS chains, groupUniqArray(user_id) AS users, min(ts_iso) AS first_ts, max(ts_iso) AS last_ts FROM ${t} FINAL WHERE ${where}`,
  );
  const rows = Number(r?.n ?? 0);
  return { rows, chains: [...(r?.chains ?? [])].sort(), users: [...(r?.users ?? [])].sort(), first_ts: rows ? r?.first_ts : undefined, last_ts: rows ? r?.last_ts : undefined };
}

export const planClickHouseErasure = (conn: ClickHouseConnection, userId: string) => plan(conn, `${targetWhere({ userId })} AND isNull(erased)`);
export const planClickHousePurge = (conn: ClickHouseConnection, before: string) => plan(conn, `ts_iso < ${literal(before)}`);

async function record(conn: ClickHouseConnection, actor: string, action: string, detail: Record<string, unknown>): Promise<void> {
  await conn.insert(`${conn.target.database}.${conn.target.table}_maintenance`, [{ at: Math.floor(Date.now() / 1000), actor, action, detail: JSON.stringify(detail) }]);
}

export interface ClickHouseErasureOptions {
  actor: string;
  /** Stored as given, in the signed records and the tombstones: redact it first (the CLI does). */
  reason?: string;
  signingKey: KeyObject;
  now?: Date;
}

export async function eraseClickHouse(conn: ClickHouseConnection, target: ErasureTarget, opts: ClickHouseErasureOptions): Promise<{ events: number; records: ErasureRecord[]; traces: string[] }> {
  const { database, table } = conn.target;
  const at = (opts.now ?? new Date()).toISOString();
  const rows = await conn.rows<{ id: string; chain_id: string; seq_text: string; content_hash: string | null; trace_id: string | null }>(
    `SELECT id, chain_id, toString(seq) AS seq_text, content_hash, trace_id FROM ${database}.${table} FINAL WHERE ${targetWhere(target)} AND isNull(erased) ORDER BY chain_id, seq, id`,
  );
  const byChain = new Map<string, Array<{ seq: number; content_hash: string }>>();
  for (const r of rows) {
    if (!r.content_hash) continue; // written without a hash chain: no record can name it
    const list = byChain.get(r.chain_id) ?? [];
    list.push({ seq: Number(r.seq_text), content_hash: r.content_hash });
    byChain.set(r.chain_id, list);
  }
  const reason = opts.reason ? { reason: opts.reason } : {};
  const records = [...byChain].map(([chain_id, events]) => signErasure(opts.signingKey, { chain_id, events, at, by: opts.actor, ...reason }));
  if (rows.length) {
    if (records.length) await conn.insert(`${database}.${table}_erasures`, records.map((r) => ({ inserted_at: Math.floor(Date.now() / 1000), chain_id: r.chain_id, record: JSON.stringify(r) })));
    const marker = JSON.stringify({ at, by: opts.actor, ...reason });
    // Two mutations, on purpose: `SET x = NULL` only sets a Nullable column's null flag, and the
    // value under it (the user id, the session, the tool call's name) stays in the part on disk,
    // readable with assumeNotNull(). The first overwrites the values with '', the second nulls them.
    const cleared = (value: string) => ERASED_NULLABLE.map((c) => `${c} = ${value}`).join(", ");
    // Ids in chunks: a statement must fit the server's max_query_size (256 KiB by default).
    for (let i = 0; i < rows.length; i += IDS_PER_MUTATION) {
      const ids = literalList(rows.slice(i, i + IDS_PER_MUTATION).map((r) => r.id));
      await conn.command(
        `ALTER TABLE ${database}.${table} UPDATE ${cleared("''")}, data = '{}', erased = ${literal(marker)}, input_tokens = 0, output_tokens = 0, total_tokens = 0, cost = 0 WHERE id IN ${ids}`,
      );
      await conn.mutationsDone(table);
      await conn.command(`ALTER TABLE ${database}.${table} UPDATE ${cleared("NULL")} WHERE id IN ${ids}`);
      await conn.mutationsDone(table);
    }
    await record(conn, opts.actor, "erase", { signed: true, count: rows.length, records: records.length, ...reason });
  }
  return { events: rows.length, records, traces: [...new Set(rows.map((r) => r.trace_id).filter((x): x is string => Boolean(x)))] };
}

/** Retention: whole rows older than the limit, deleted by a mutation and recorded. */
export async function purgeClickHouse(conn: ClickHouseConnection, before: string, actor: string): Promise<number> {
  const { database, table } = conn.target;
  const [r] = await conn.rows<{ n: string }>(`SELECT count() AS n FROM ${database}.${table} FINAL WHERE ts_iso < ${literal(before)}`);
  const n = Number(r?.n ?? 0);
  if (n) {
    await conn.command(`ALTER TABLE ${database}.${table} DELETE WHERE ts_iso < ${literal(before)}`);
    await conn.mutationsDone(table);
  }
  await record(conn, actor, "purge", { before, count: n });
  return n;
}
