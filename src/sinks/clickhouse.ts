/**
 * `clickhouseSink({ url, database, table, username, password })`: the trail in ClickHouse, for
 * teams that outgrow one machine, over HTTP with the official `@clickhouse/client`. One
 * `INSERT … FORMAT JSONEachRow` per batch; the table is a ReplacingMergeTree keyed by event id, so
 * redelivery is harmless (the copy is folded on merge and every read says FINAL). The tables are
 * created on first use unless `migrate: false` (a user that may only INSERT: run `agent-audit
 * migrate --store clickhouse://…` once instead). `erase(traceIds)` (what `trail.eraseUser`
 * forwards) is a signed erasure (store/clickhouse-maintenance.ts) with the trail key.
 */
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { failConfig, parseOptions } from "../shared/config.js";
import { ClickHouseConnection, clickhouseErrorCode, type ClickHouseTarget } from "../store/clickhouse-connection.js";
import { DEFAULT_CLICKHOUSE_DATABASE, DEFAULT_CLICKHOUSE_TABLE, checkIdentifier, eventToRow } from "../store/clickhouse-schema.js";
import { migrateClickHouse } from "../store/clickhouse-migrate.js";
import { eraseClickHouse } from "../store/clickhouse-maintenance.js";
import { OK, type DeliveryOptions, type SendContext, type SendResult, type Sink } from "./types.js";
import { endpointLabel } from "./shared/endpoint.js";
import { FORWARDED_ERASURE, erasureKeyOptions, forwardErasureToDatabase } from "./shared/forwarded-erasure.js";

const optionsSchema = z
  .object({
    /** The HTTP interface, e.g. http://clickhouse:8123 (credentials in the URL are taken too). */
    url: z.string().url(),
    database: z.string().optional(),
    table: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    migrate: z.boolean().optional(),
    ...erasureKeyOptions,
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type ClickHouseSinkOptions = z.input<typeof optionsSchema>;

/** ClickHouse error codes that a later attempt cannot fix: syntax, unknown table/column/database, types, auth. */
const PERMANENT = new Set(["16", "27", "36", "43", "47", "53", "60", "62", "81", "192", "193", "497", "516"]);

export function clickhouseSink(options: ClickHouseSinkOptions): Sink & { readonly table: string; readonly database: string } {
  const opts = parseOptions("clickhouseSink", optionsSchema, options);
  let target: ClickHouseTarget;
  try {
    const u = new URL(opts.url);
    if (!/^https?:$/.test(u.protocol)) throw new Error(`url must be http:// or https:// (the HTTP interface, port 8123 or 8443), got ${u.protocol}//`);
    target = {
      url: `${u.protocol}//${u.host}`,
      username: opts.username ?? (u.username ? decodeURIComponent(u.username) : undefined),
      password: opts.password ?? (u.password ? decodeURIComponent(u.password) : undefined),
      database: checkIdentifier("database", opts.database ?? DEFAULT_CLICKHOUSE_DATABASE),
      table: checkIdentifier("table", opts.table ?? DEFAULT_CLICKHOUSE_TABLE),
    };
  } catch (err) {
    failConfig(`clickhouseSink: ${(err as Error).message}.`);
  }
  const conn = new ClickHouseConnection(target);
  // Named by scheme, host and port only: the URL may hold a password.
  const where = endpointLabel(opts.url);
  let ready: Promise<void> | undefined = opts.migrate === false ? Promise.resolve() : undefined;
  // The attempt's signal reaches the CREATE statements: without it, a server that hung during them
  // held this promise (and so every later batch) until the client's own 60 s timeout, however
  // soon the server answered again.
  const ensureReady = (signal?: AbortSignal) =>
    (ready ??= migrateClickHouse(conn, { signal }).catch((err) => {
      ready = undefined; // try again on the next batch
      throw err;
    }));

  const verdict = (err: unknown): SendResult => {
    const e = err as { type?: string };
    const code = clickhouseErrorCode(err);
    const retryable = !code || !PERMANENT.has(code);
    return { ok: false, retryable, error: `ClickHouse ${code ? `error ${code}${e.type ? ` (${e.type})` : ""}` : "connection error"}${where ? ` at ${where}` : ""}` };
  };

  return {
    name: opts.name ?? "clickhouse",
    kind: "remote",
    table: target.table,
    database: target.database,
    endpoint: where,
    defaultDelivery: { batchSize: 1000 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    async send(batch: readonly AuditEvent[], context?: SendContext): Promise<SendResult> {
      try {
        await ensureReady(context?.signal);
        await conn.insert(`${target.database}.${target.table}`, batch.map(eventToRow), context?.signal);
        return OK;
      } catch (err) {
        return verdict(err);
      }
    },
    async erase(traceIds: readonly string[]) {
      return forwardErasureToDatabase({
        sink: "clickhouseSink",
        where: `${target.database}.${target.table}`,
        key: { signingKey: opts.signingKey, keyFile: opts.keyFile },
        ensureReady: () => ensureReady(),
        erase: (signingKey) => eraseClickHouse(conn, { traceIds }, { ...FORWARDED_ERASURE, signingKey }),
      });
    },
    async close() {
      await conn.close();
    },
  };
}
