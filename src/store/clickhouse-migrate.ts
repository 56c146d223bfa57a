/** Creating the ClickHouse tables (idempotent): on a sink's first use, or `agent-audit migrate`. */
import type { ClickHouseConnection } from "./clickhouse-connection.js";
import { clickhouseSchema } from "./clickhouse-schema.js";

/** `signal` aborts the statement in flight (a sink's attempt that timed out: the server may hang). */
export async function migrateClickHouse(conn: ClickHouseConnection, options: { cluster?: string; signal?: AbortSignal } = {}): Promise<void> {
  for (const statement of clickhouseSchema({ database: conn.target.database, table: conn.target.table, cluster: options.cluster })) await conn.command(statement, options.signal);
}
