/**
 * Right to erasure in PostgreSQL, as a signed fact (like the JSONL trail's, erase.ts): in one
 * transaction, read the rows to tombstone (with the content_hash each holds), sign one erasure
 * record per chain naming exactly those rows (erasure-records.ts: the same format and signer),
 * then have `<t>_erase_signed` tombstone exactly those rows and store the records beside them.
 * Either all of it commits or none of it: no tombstone without its record, no record without its
 * tombstones. The key signs outside the database, so a DBA can remove content but not make the
 * removal look like an erasure.
 */
import type { KeyObject } from "node:crypto";
import { signErasure, type ErasureRecord } from "../integrity/erasure-records.js";
import { existingSigningKey } from "../integrity/keys.js";
import { trustKey } from "../integrity/trust.js";
import type { PgPoolLike } from "./pg-pool-like.js";
import { checkTableName } from "./postgres-schema.js";

export interface PostgresErasureOptions {
  actor: string;
  /** Stored as given, in the signed record and the tombstones: redact it first (the CLI does). */
  reason?: string;
  signingKey: KeyObject;
  now?: Date;
}

export interface PostgresErasureResult {
  /** Rows tombstoned. */
  events: number;
  /** The signed records stored in `<t>_erasures`, one per chain touched. */
  records: ErasureRecord[];
  /** Trace ids of the erased rows (to erase at destinations that support deletion). */
  traces: string[];
}

/** Which rows: every row of a user, or every row of some traces (what a forwarded erasure names). */
export type ErasureTarget = { userId: string } | { traceIds: readonly string[] };

/**
 * The trail's signing key for an erasure outside the trail directory: `signingKey`, else the key
 * file (`keyFile`, default the key store's `signing-key.pem`). Never created here: a new key would
 * sign for nobody a verifier trusts. Throws a message that names the fix.
 */
export function erasureSigningKey(options: { signingKey?: KeyObject | string; keyFile?: string }, fix: string): KeyObject {
  const { key, file } = existingSigningKey(options);
  if (!key) {
    throw new Error(`no signing key at ${file}: an erasure in a database is signed with the trail key, and is refused without it (nothing was erased). Fix: ${fix}`);
  }
  // This machine signs with it, so verify here trusts it (as a trail does with its own key).
  try {
    trustKey(key);
  } catch {
    // a read-only key store: verify then needs --public-key, which it says
  }
  return key;
}

export async function erasePostgres(pool: PgPoolLike, table: string, target: ErasureTarget, opts: PostgresErasureOptions): Promise<PostgresErasureResult> {
  const t = checkTableName(table);
  const at = (opts.now ?? new Date()).toISOString();
  const [column, values] = "userId" in target ? ["user_id", [target.userId]] : ["trace_id", [...target.traceIds]];
  const client = await pool.connect();
  try {
    // One snapshot: the rows signed for are the rows tombstoned. A row changed or erased by
    // someone else meanwhile makes <t>_erase_signed refuse (or the update a serialization error).
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    const { rows } = await client.query<{ id: string; chain_id: string; seq: string; content_hash: string | null; trace_id: string | null }>(
      `SELECT id, chain_id, seq, content_hash, trace_id FROM ${t} WHERE ${column} = ANY($1) AND erased IS NULL ORDER BY chain_id, seq, id`,
      [values],
    );
    const byChain = new Map<string, Array<{ seq: number; content_hash: string }>>();
    const unsealed: string[] = [];
    for (const r of rows) {
      if (!r.content_hash) {
        unsealed.push(r.id);
        continue;
      }
      const list = byChain.get(r.chain_id) ?? [];
      list.push({ seq: Number(r.seq), content_hash: r.content_hash });
      byChain.set(r.chain_id, list);
    }
    const reason = opts.reason ? { reason: opts.reason } : {};
    const records = [...byChain].map(([chain_id, events]) => signErasure(opts.signingKey, { chain_id, events, at, by: opts.actor, ...reason }));
    let events = 0;
    if (rows.length) {
      const marker = { at, by: opts.actor, ...reason };
      const res = await client.query(`SELECT ${t}_erase_signed($1::jsonb, $2::jsonb, $3::uuid[]) AS n`, [JSON.stringify(records), JSON.stringify(marker), unsealed]);
      events = Number(res.rows[0]?.n ?? 0);
    }
    await client.query("COMMIT");
    return { events, records, traces: [...new Set(rows.map((r) => r.trace_id).filter((x): x is string => Boolean(x)))] };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw explain(err, t);
  } finally {
    client.release();
  }
}

/** A table migrated by an older version lacks the signed erasure: say how to add it. */
function explain(err: unknown, t: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === "42883" || code === "42P01") {
    return new Error(`${t} has no signed erasure yet (${(err as Error).message}). Fix: run agent-audit migrate --store postgres://… --table ${t} once (it adds ${t}_erasures and ${t}_erase_signed)`);
  }
  return err;
}
