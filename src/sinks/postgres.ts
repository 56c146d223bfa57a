/**
 * `postgresSink({ connectionString | pool, table })`: the trail in PostgreSQL, for teams that
 * outgrow one machine. Batched multi-row inserts; `ON CONFLICT DO NOTHING` (on the id key; no
 * conflict target, so a writer role needs no SELECT) makes redelivery
 * harmless; the table (and its append-only trigger, erasure and retention functions) is created on
 * first use unless `migrate: false` (a writer role that may only INSERT cannot create it; run
 * `agent-audit migrate` once instead). `erase(traceIds)` (what `trail.eraseUser` forwards) is a
 * signed erasure (store/postgres-erase.ts) with the trail key: `signingKey`, `keyFile`, or the key
 * store's; without one it fails and erases nothing.
 */
import pg from "pg";
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { COLUMNS, DEFAULT_TABLE, checkTableName, migrate } from "../store/postgres-schema.js";
import { erasePostgres } from "../store/postgres-erase.js";
import { OK, type DeliveryOptions, type SendResult, type Sink } from "./types.js";
import { endpointLabel } from "./shared/endpoint.js";
import { FORWARDED_ERASURE, erasureKeyOptions, forwardErasureToDatabase } from "./shared/forwarded-erasure.js";
import type { PgPoolLike } from "../store/pg-pool-like.js";

const optionsSchema = z
  .object({
    connectionString: z.string().min(1).optional(),
    pool: z.custom<PgPoolLike>((v) => typeof v === "object" && v !== null && typeof (v as PgPoolLike).query === "function", { message: "expected a pg.Pool" }).optional(),
    table: z.string().optional(),
    migrate: z.boolean().optional(),
    ...erasureKeyOptions,
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type PostgresSinkOptions = z.input<typeof optionsSchema>;

/** SQLSTATE classes worth retrying: connection, resources, shutdown, serialization/deadlock. */
const RETRYABLE = /^(08|53|57|58|40)/;

export function postgresSink(options: PostgresSinkOptions): Sink & { readonly table: string } {
  const opts = parseOptions("postgresSink", optionsSchema, options);
  const connectionString = opts.connectionString ?? (opts.pool ? undefined : process.env.DATABASE_URL);
  if (!connectionString && !opts.pool) failConfig("postgresSink: connectionString is missing. Fix: pass connectionString (postgres://…), a pg.Pool as pool, or set DATABASE_URL.");
  let table: string;
  try {
    table = checkTableName(opts.table ?? DEFAULT_TABLE);
  } catch (err) {
    failConfig(`postgresSink: ${(err as Error).message}.`);
  }
  const pool: PgPoolLike = opts.pool ?? new pg.Pool({ connectionString, max: 2 });
  // Named by scheme, host and port only: the connection string may hold a password.
  const where = endpointLabel(connectionString);
  let ready: Promise<void> | undefined = opts.migrate === false ? Promise.resolve() : undefined;

  const ensureReady = () =>
    (ready ??= migrate(pool, table).catch((err) => {
      ready = undefined; // try again on the next batch
      throw err;
    }));

  const verdict = (err: unknown): SendResult => {
    const e = err as { code?: string; message?: string };
    const code = e.code ?? "";
    const retryable = !/^[0-9A-Z]{5}$/.test(code) || RETRYABLE.test(code); // no SQLSTATE: a network error
    return { ok: false, retryable, error: `PostgreSQL ${code || "connection"} error${where ? ` at ${where}` : ""}${retryable ? "" : ` (${String(e.message ?? "").slice(0, 120)})`}` };
  };

  return {
    name: opts.name ?? "postgres",
    kind: "remote",
    table,
    endpoint: where,
    defaultDelivery: { batchSize: 500 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    async send(batch: readonly AuditEvent[]): Promise<SendResult> {
      try {
        await ensureReady();
        const params: unknown[] = [];
        const value = (e: AuditEvent, c: (typeof COLUMNS)[number]) => (c === "log_type" ? e.type : (e as Record<string, unknown>)[c]);
        // Only the columns this batch uses: a table migrated before a column was added (and a
        // writer role that cannot migrate it) still takes every event that does not need it.
        const columns = COLUMNS.filter((c) => batch.some((e) => value(e, c) !== undefined));
        const rows = batch.map((e) => {
          const values = columns.map((c) => {
            const v = value(e, c);
            if (v === undefined) return "NULL";
            params.push(c === "metadata" || c === "data" || c === "redactions" || c === "erased" ? JSON.stringify(v) : v);
            return `$${params.length}`;
          });
          return `(${values.join(",")})`;
        });
        await pool.query(`INSERT INTO ${table} (${columns.join(",")}) VALUES ${rows.join(",")} ON CONFLICT DO NOTHING`, params);
        return OK;
      } catch (err) {
        return verdict(err);
      }
    },
    async erase(traceIds: readonly string[]) {
      return forwardErasureToDatabase({
        sink: "postgresSink",
        where: table,
        key: { signingKey: opts.signingKey, keyFile: opts.keyFile },
        ensureReady,
        erase: (signingKey) => erasePostgres(pool, table, { traceIds }, { ...FORWARDED_ERASURE, signingKey }),
      });
    },
    async close() {
      if (!opts.pool) await pool.end();
    },
  };
}
