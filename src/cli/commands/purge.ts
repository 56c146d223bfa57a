/** `agent-audit purge --older-than`: retention in a trail (a signed checkpoint), PostgreSQL or ClickHouse. */
import pg from "pg";
import { applyPurge, parseAge, planPurge } from "../../integrity/retention.js";
import { loadOrCreateSigningKey } from "../../integrity/keys.js";
import { endpointLabel } from "../../sinks/shared/endpoint.js";
import { ClickHouseConnection, parseClickHouseTarget } from "../../store/clickhouse-connection.js";
import { planClickHousePurge, purgeClickHouse } from "../../store/clickhouse-maintenance.js";
import { storeKind } from "../../store/open.js";
import { planPostgresPurge } from "../../store/postgres-plan.js";
import { DEFAULT_TABLE, checkTableName } from "../../store/postgres-schema.js";
import { describePostgresPlan, describePurgePlan } from "../change-plan.js";
import { plural } from "../format.js";
import { progressLine } from "../progress.js";
import { UsageError, type CommandContext } from "../context.js";
import { gate } from "./gate.js";

export async function purgeCommand(ctx: CommandContext): Promise<number> {
  const { values, dir, io, actor, reading } = ctx;
  if (!values["older-than"]) throw new UsageError("purge needs --older-than <age>, e.g. --older-than 90d");
  const age = parseAge(values["older-than"]);
  if (values.store && storeKind(values.store) === "clickhouse") {
    const conn = new ClickHouseConnection(parseClickHouseTarget(values.store, values.table));
    const before = new Date(Date.now() - age).toISOString();
    try {
      const plan = await planClickHousePurge(conn, before);
      const stop = await gate(ctx, "purge", describePostgresPlan("purge", plan, `${endpointLabel(values.store) ?? "clickhouse"} ${conn.target.database}.${conn.target.table}`, `rows older than ${before}`), plan, plan.rows === 0, () => undefined);
      if (typeof stop === "number") return stop;
      const n = await purgeClickHouse(conn, before, actor);
      if (values.json) io.out(JSON.stringify({ rows: n, before }, null, 2));
      else io.out(`Purged ${plural(n, "row")} older than ${before} from ClickHouse; recorded in ${conn.target.table}_maintenance.`);
    } finally {
      await conn.close();
    }
    return 0;
  }
  if (values.store && storeKind(values.store) === "postgres") {
    const table = checkTableName(values.table ?? DEFAULT_TABLE);
    const before = new Date(Date.now() - age).toISOString();
    const pool = new pg.Pool({ connectionString: values.store, max: 1 });
    try {
      const plan = await planPostgresPurge(pool, table, before);
      const stop = await gate(ctx, "purge", describePostgresPlan("purge", plan, `${endpointLabel(values.store) ?? "postgres"} ${table}`, `rows older than ${before}`), plan, plan.rows === 0, () => undefined);
      if (typeof stop === "number") return stop;
      const { rows } = await pool.query(`SELECT ${table}_purge($1, $2) AS n`, [before, actor]);
      const n = Number(rows[0]?.n ?? 0);
      if (values.json) io.out(JSON.stringify({ rows: n, before }, null, 2));
      else io.out(`Purged ${plural(n, "row")} older than ${before} from PostgreSQL; recorded in the maintenance log.`);
    } finally {
      await pool.end();
    }
    return 0;
  }
  reading("purge", `older than ${values["older-than"]}`);
  const progress = progressLine("purge", { json: values.json });
  const now = new Date();
  let plan;
  try {
    plan = planPurge(dir, age, now, progress.update);
  } finally {
    progress.done();
  }
  const stop = await gate(ctx, "purge", describePurgePlan(plan, dir), { ...plan, ranges: undefined }, plan.segments.length === 0, () => undefined);
  if (typeof stop === "number") return stop;
  const key = loadOrCreateSigningKey({ keyFile: values["key-file"], trailDir: dir });
  // Exactly the segments shown: a segment that expired while the person read is left for next time.
  const result = applyPurge(dir, plan, key, now);
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else io.out(`Purged ${plural(result.segments.length, "segment")}, ${plural(result.events, "event")} before ${result.cutoff}; a signed checkpoint records it.`);
  return 0;
}
