/** `agent-audit migrate`: the PostgreSQL table, trigger and functions, or the ClickHouse tables. */
import pg from "pg";
import { ClickHouseConnection, parseClickHouseTarget } from "../../store/clickhouse-connection.js";
import { migrateClickHouse } from "../../store/clickhouse-migrate.js";
import { clickhouseSchema } from "../../store/clickhouse-schema.js";
import { storeKind } from "../../store/open.js";
import { DEFAULT_TABLE, migrate } from "../../store/postgres-schema.js";
import { UsageError, type CommandContext } from "../context.js";

export async function migrateCommand({ values, io }: CommandContext): Promise<number> {
  const target = values.store ?? process.env.DATABASE_URL;
  if (target && storeKind(target) === "clickhouse") {
    const conn = new ClickHouseConnection(parseClickHouseTarget(target, values.table));
    try {
      const { database, table } = conn.target;
      if (values.print) {
        // The DDL only, for a DBA to review or run on a cluster (nothing is sent).
        for (const statement of clickhouseSchema({ database, table, cluster: values.cluster })) io.out(`${statement};\n`);
        return 0;
      }
      await migrateClickHouse(conn, { cluster: values.cluster });
      io.out(`Migrated ${database}.${table}${values.cluster ? ` on cluster ${values.cluster} (${table}_local replicated, ${table} distributed)` : ""} (ClickHouse ${await conn.version()}).`);
    } finally {
      await conn.close();
    }
    return 0;
  }
  if (values.cluster || values.print) throw new UsageError("--cluster and --print are for ClickHouse: migrate --store clickhouse://… --cluster <name> --print");
  if (!target || storeKind(target) !== "postgres") throw new UsageError("migrate needs --store postgres://… or clickhouse://… (or DATABASE_URL)");
  const pool = new pg.Pool({ connectionString: target, max: 1 });
  try {
    const t = values.table ?? DEFAULT_TABLE;
    await migrate(pool, t, values.roles);
    io.out(`Migrated ${t}${values.roles ? ` with roles ${t}_writer (INSERT), ${t}_reader (SELECT), ${t}_admin (erasure, retention)` : ""}.`);
  } finally {
    await pool.end();
  }
  return 0;
}
