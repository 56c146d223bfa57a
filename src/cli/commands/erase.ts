/** `agent-audit erase --user`: right to erasure in a trail, PostgreSQL or ClickHouse, under signed records. */
import pg from "pg";
import { eraseUserInTrail } from "../../integrity/erase.js";
import { planUserErasure } from "../../integrity/erase-plan.js";
import { keyId, loadOrCreateSigningKey } from "../../integrity/keys.js";
import { parseKey } from "../../redact/operators.js";
import { endpointLabel } from "../../sinks/shared/endpoint.js";
import { ClickHouseConnection, parseClickHouseTarget } from "../../store/clickhouse-connection.js";
import { eraseClickHouse, planClickHouseErasure } from "../../store/clickhouse-maintenance.js";
import { storeKind } from "../../store/open.js";
import { erasePostgres, erasureSigningKey } from "../../store/postgres-erase.js";
import { planPostgresErasure } from "../../store/postgres-plan.js";
import { DEFAULT_TABLE } from "../../store/postgres-schema.js";
import { describeErasurePlan, describePostgresPlan } from "../change-plan.js";
import { plural } from "../format.js";
import { UsageError, type CommandContext } from "../context.js";
import { gate } from "./gate.js";

export async function eraseCommand(ctx: CommandContext): Promise<number> {
  const { values, rest, dir, io, actor, redactText, reading } = ctx;
  if (!values.user) throw new UsageError("erase needs --user <id> (and should have --actor and --reason)");
  // The reason is free text: redacted before it is stored in the record, tombstones or access log.
  const reason = values.reason !== undefined ? redactText(values.reason) : undefined;
  const target = rest[0] ?? values.store;
  if (target && storeKind(target) === "clickhouse") {
    const conn = new ClickHouseConnection(parseClickHouseTarget(target, values.table));
    try {
      const plan = await planClickHouseErasure(conn, values.user);
      const stop = await gate(ctx, "erase", describePostgresPlan("erase", plan, `${endpointLabel(target) ?? "clickhouse"} ${conn.target.database}.${conn.target.table}`, `user "${values.user}"`), plan, plan.rows === 0, () =>
        erasureSigningKey({ keyFile: values["key-file"] }, "pass --key-file <the trail's signing-key.pem>, or set AGENT_AUDIT_KEY_DIR to the key store that holds it."),
      );
      if (typeof stop === "number") return stop;
      const signingKey = stop;
      const result = await eraseClickHouse(conn, { userId: values.user }, { actor, reason, signingKey });
      if (values.json) io.out(JSON.stringify({ events: result.events, traces: result.traces, records: result.records.map((r) => ({ chain_id: r.chain_id, events: r.events.length, key_id: r.key_id })) }, null, 2));
      else io.out(`Erased ${plural(result.events, "row")} of the user in ClickHouse under ${plural(result.records.length, "signed erasure record")} (key ${keyId(signingKey)}); recorded in ${conn.target.table}_maintenance.`);
    } finally {
      await conn.close();
    }
    return 0;
  }
  if (target && storeKind(target) === "postgres") {
    const table = values.table ?? DEFAULT_TABLE;
    const pool = new pg.Pool({ connectionString: target, max: 1 });
    try {
      const plan = await planPostgresErasure(pool, table, values.user);
      const stop = await gate(ctx, "erase", describePostgresPlan("erase", plan, `${endpointLabel(target) ?? "postgres"} ${table}`, `user "${values.user}"`), plan, plan.rows === 0, () =>
        // Signed like the trail's: the key before asking, so that without it nothing is touched.
        erasureSigningKey({ keyFile: values["key-file"] }, `pass --key-file <the trail's signing-key.pem>, or set AGENT_AUDIT_KEY_DIR to the key store that holds it. (${table}_erase_user in SQL still tombstones, unsigned: verify reports that as forged_erasure.)`),
      );
      if (typeof stop === "number") return stop;
      const signingKey = stop;
      const result = await erasePostgres(pool, table, { userId: values.user }, { actor, reason, signingKey });
      if (values.json) io.out(JSON.stringify({ events: result.events, traces: result.traces, records: result.records.map((r) => ({ chain_id: r.chain_id, events: r.events.length, key_id: r.key_id })) }, null, 2));
      else io.out(`Erased ${plural(result.events, "row")} of the user in PostgreSQL under ${plural(result.records.length, "signed erasure record")} (key ${keyId(signingKey)}); agent-audit verify postgres://… checks them.`);
    } finally {
      await pool.end();
    }
    return 0;
  }
  reading("erase", `user (${reason ?? "no reason given"})`);
  const key = process.env.AGENT_AUDIT_ENCRYPTION_KEY ? parseKey(process.env.AGENT_AUDIT_ENCRYPTION_KEY, "AGENT_AUDIT_ENCRYPTION_KEY") : undefined;
  const plan = planUserErasure(dir, values.user, { encryptionKey: key });
  const stop = await gate(ctx, "erase", describeErasurePlan(plan, dir), plan, plan.events === 0, () => undefined);
  if (typeof stop === "number") return stop;
  const signingKey = loadOrCreateSigningKey({ keyFile: values["key-file"], trailDir: dir });
  const result = eraseUserInTrail(dir, values.user, { actor, reason, encryptionKey: key, signingKey });
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else {
    io.out(`Erased ${plural(result.events, "event")} in ${plural(result.files.length, "file")} of ${dir}; the hash chain still verifies (agent-audit verify).`);
    if (result.traces.length) io.out(`Remote copies: delete traces ${result.traces.join(", ")} at your forwarding destinations (trail.eraseUser() does this for sinks that support deletion).`);
  }
  return 0;
}
