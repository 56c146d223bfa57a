/**
 * What an erasure or a purge in PostgreSQL would change, read without changing anything: the CLI
 * shows it and asks before running `erasePostgres` or `<t>_purge`. The same row conditions as
 * those (a user's rows not yet erased; rows older than a time).
 */
import type pg from "pg";
import { checkTableName } from "./postgres-schema.js";

export interface PostgresPlan {
  rows: number;
  chains: string[];
  users: string[];
  first_ts?: string;
  last_ts?: string;
}

export function planPostgresErasure(pool: pg.Pool, table: string, userId: string): Promise<PostgresPlan> {
  return plan(pool, table, "user_id = $1 AND erased IS NULL", [userId]);
}

export function planPostgresPurge(pool: pg.Pool, table: string, before: string): Promise<PostgresPlan> {
  return plan(pool, table, "ts < $1", [before]);
}

async function plan(pool: pg.Pool, table: string, where: string, params: unknown[]): Promise<PostgresPlan> {
  const t = checkTableName(table);
  const { rows } = await pool.query<{ rows: string; chains: string[] | null; users: string[] | null; first_ts: Date | null; last_ts: Date | null }>(
    `SELECT count(*) AS rows, array_agg(DISTINCT chain_id::text) AS chains, array_agg(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL) AS users, min(ts) AS first_ts, max(ts) AS last_ts FROM ${t} WHERE ${where}`,
    params,
  );
  const r = rows[0];
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);
  return {
    rows: Number(r?.rows ?? 0),
    chains: (r?.chains ?? []).filter((c): c is string => c !== null).sort(),
    users: (r?.users ?? []).sort(),
    first_ts: iso(r?.first_ts),
    last_ts: iso(r?.last_ts),
  };
}
