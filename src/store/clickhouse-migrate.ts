/** Creating the ClickHouse tables (idempotent): on a sink's first use, or `agent-audit migrate`. */
import type { ClickHouseConnection } from "./clickhouse-connection.js";
import { clickhouseSchema } from "./clickhouse-schema.js";

export async function migrateClickHouse(conn: ClickHouseConnection, options: { cluster?: string } = {}): Promise<void> {
  for (const statement of clickhouseSchema({ database: conn.target.database, table: conn.target.table, cluster: options.cluster })) await conn.command(statement);
}
