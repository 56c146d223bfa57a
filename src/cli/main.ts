#!/usr/bin/env node
/**
 * `agent-audit`: the command line over a trail. Each command is a thin layer over store/ and
 * pipeline/; this file only parses arguments and prints.
 */
import { serve } from "../serve/server.js";
import { AuditConfigError } from "../shared/config.js";
import { downloadArchive } from "../store/s3-archive.js";
import pg from "pg";
import type { AuditEvent } from "../events/schema.js";
import { openStore, storeKind } from "../store/open.js";
import { DEFAULT_TABLE, checkTableName, migrate } from "../store/postgres-schema.js";
import { filterFrom, renderStats } from "./analytics.js";
import { csvHeader, csvRow } from "./csv.js";
import { statsReport } from "../store/stats-report.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { verifyTrail } from "../integrity/verify.js";
import { describeVerify, verifyStatus } from "./verify-output.js";
import { eraseUserInTrail } from "../integrity/erase.js";
import { erasePostgres, erasureSigningKey } from "../store/postgres-erase.js";
import { verifyPostgres } from "../store/postgres-verify.js";
import { applyPurge, parseAge, planPurge } from "../integrity/retention.js";
import { planUserErasure } from "../integrity/erase-plan.js";
import { planPostgresErasure, planPostgresPurge } from "../store/postgres-plan.js";
import { ClickHouseConnection, parseClickHouseTarget } from "../store/clickhouse-connection.js";
import { clickhouseSchema } from "../store/clickhouse-schema.js";
import { migrateClickHouse } from "../store/clickhouse-migrate.js";
import { eraseClickHouse, planClickHouseErasure, planClickHousePurge, purgeClickHouse } from "../store/clickhouse-maintenance.js";
import { describeErasurePlan, describePostgresPlan, describePurgePlan } from "./change-plan.js";
import { confirmChange } from "./confirm.js";
import { progressLine } from "./progress.js";
import { plural } from "./format.js";
import { nearest } from "../shared/nearest.js";
import { keyId, loadOrCreateSigningKey } from "../integrity/keys.js";
import { endpointLabel } from "../sinks/shared/endpoint.js";
import { appendAccess, currentActor } from "../integrity/access-log.js";
import { parseKey } from "../redact/operators.js";
import { createRedactor } from "../redact/redactor.js";
import { keyStoreDir, storedKeys, trustAdd } from "../integrity/trust.js";
import { VERSION } from "../version.js";
import { deliveryStatus } from "../store/delivery-status.js";
import { deadLetterFile } from "../format/trail-format.js";
import { parseArgs } from "node:util";
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { jsonlSink } from "../sinks/jsonl.js";
import { DEFAULT_AUDIT_DIR } from "../format/trail-format.js";
import { createAuditTrail } from "../capture/audit-trail.js";
import { IndexedStore } from "../index/indexed-store.js";
import { dropIndex, readManifest } from "../format/index-files.js";
import { listSessions, sessionEvents, summarizeSessions, type BadLine } from "../store/jsonl.js";
import { renderTimeline } from "./timeline.js";
import { runDemo } from "./demo.js";
import { tail } from "./tail.js";
import { proveCommand, verifyBundleCommand } from "./evidence.js";
import { downloadS3Witness } from "../witness/s3-witness.js";
import { fetchWitnessedHeads } from "../witness/http-witness.js";
import { segmentsByChain } from "../evidence/select.js";
import { witnessCommand } from "./witness.js";

const HELP = `agent-audit — audit trails for LangChain.js agents

Usage: agent-audit <command> [options]

Commands:
  demo                 run an offline LangChain agent, record it, print its timeline
  sessions             list the sessions in a trail (or a database: --store postgres://… or clickhouse://…)
  show <session_id>    print one session as a timeline
  tail [-f]            print the latest events (-f: keep following)
  status               delivery to remote sinks: lag per sink and chain, dead letters
  query                events by --session, --user, --since, --until, --type, --level (--json)
  stats                tool latency, errors per day, tokens and cost per model, volume spikes (--since 7d)
  export               --format jsonl|csv, with the same filters
  serve                a local web viewer: sessions, waterfall, stats (--port 4319, --host, --token,
                       --allowed-host <name> (repeatable): another Host name it answers to)
  migrate              create the PostgreSQL table, trigger and functions (--store postgres://…, --roles),
                       or the ClickHouse tables (--store clickhouse://…; --cluster <name>: replicated and
                       distributed; --print: only print the DDL)
  verify [postgres://…]  check the hash chain and signed checkpoints (--public-key <pem>); a PostgreSQL
                       store: its chains and signed erasure records (--table)
                       exit 0 intact, 1 tampering found, 3 only marks of a crash: a torn or unsigned tail (run repair)
  repair               acknowledge dead writers' torn last lines (trail.recovery) and sign their unsigned tails
  prove                an evidence bundle: --session, --event, --user or --since/--until; --out <file>
  verify-bundle <file> check an evidence bundle offline (--public-key <pem>); exit 0 verified, 1 a failure
  trust add <key|dir>  trust a public key, or pin a trail directory to the key it publishes; trust list
  erase --user <id> [postgres://…|clickhouse://…]   right to erasure: tombstone a user's events under a signed record (--actor, --reason, --key-file)
  index [--rebuild]    compact closed segments into the columnar index (.index/); --rebuild drops it first
  purge --older-than 90d   retention: remove expired segments, recorded in a signed checkpoint (or rows, with --store postgres://… or clickhouse://…)
                       erase and purge print what they will change, then ask (y/N) on a terminal;
                       elsewhere they need --yes. --dry-run prints the plan and changes nothing
  witness serve        an HTTP witness (C2SP tlog-witness) cosigning trail checkpoints: --dir <state>, --log-key <pem>
                       (repeatable), --port 8417, --host, --name, --key-file (agent-audit witness --help)

Options:
  --store <dir|url>    query/stats/export/sessions/serve/verify/erase: a trail directory, postgres://… or
                       clickhouse://user:password@host:8123/database?table=name (default: --dir)
  --no-index           query/stats/export/sessions/show/serve: scan the JSONL trail instead of its columnar index
  --table <name>       the PostgreSQL or ClickHouse table (default ${DEFAULT_TABLE})
  --key-file <pem>     erase/purge/repair: the trail's signing key (default: signing-key.pem in the key store)
  --dir <path>         trail directory (default: $AGENT_AUDIT_DIR or ${DEFAULT_AUDIT_DIR})
  --json               machine-readable output (sessions, show, tail, status)
  -n, --lines <n>      tail: how many events (default 20)
  --public-key <file>  verify: the Ed25519 public key (PEM) you trust (else AGENT_AUDIT_PUBLIC_KEY, else the key store)
  --witness <dir|s3://bucket/prefix|https://witness>   verify: also hold the trail to what a witness kept
  --witness-key <vkey> verify-bundle: require a valid cosignature by this witness on every checkpoint (repeatable)
  --ml-dsa-key <file>  verify: also require each checkpoint's ML-DSA-44 signature by this public key (base64)
  --actor <name>       who is acting (access log, erasure tombstones; default: the OS user)
  --allow-insecure-permissions   read a trail whose files other users can read
  -f, --follow         tail: wait for new events
  -y, --yes            erase/purge: go ahead without asking (required when not on a terminal)
  --dry-run            erase/purge: print what would change, change nothing
  --no-color           plain text
  -h, --help           this help
  -v, --version        the version`;

/** Every option of the commands (the witness parses its own). */
const OPTIONS = {
  dir: { type: "string" },
  json: { type: "boolean", default: false },
  lines: { type: "string", short: "n" },
  follow: { type: "boolean", short: "f", default: false },
  "no-color": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "v", default: false },
  "public-key": { type: "string" },
  event: { type: "string" },
  out: { type: "string", short: "o" },
  witness: { type: "string" },
  "ml-dsa-key": { type: "string" },
  "witness-key": { type: "string", multiple: true },
  user: { type: "string" },
  actor: { type: "string" },
  reason: { type: "string" },
  "older-than": { type: "string" },
  "key-file": { type: "string" },
  "allow-insecure-permissions": { type: "boolean", default: false },
  store: { type: "string" },
  table: { type: "string" },
  session: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  type: { type: "string" },
  level: { type: "string" },
  format: { type: "string" },
  roles: { type: "boolean", default: false },
  "no-index": { type: "boolean", default: false },
  rebuild: { type: "boolean", default: false },
  cluster: { type: "string" },
  print: { type: "boolean", default: false },
  port: { type: "string" },
  host: { type: "string" },
  token: { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  yes: { type: "boolean", short: "y", default: false },
  "dry-run": { type: "boolean", default: false },
} as const;

const COMMANDS = ["demo", "index", "sessions", "show", "tail", "status", "query", "stats", "export", "serve", "migrate", "verify", "repair", "prove", "verify-bundle", "trust", "erase", "purge", "witness", "help"];

/** parseArgs' "Unknown option '--sesion'…" as "unknown option --sesion; did you mean --session?". */
function explainParseError(err: Error): string {
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(err.message);
  if (!unknown) return err.message;
  const [, dashes, name] = unknown;
  if (dashes === "-") return `unknown option -${name}`;
  const guess = nearest(name!, Object.keys(OPTIONS));
  return `unknown option --${name}${guess ? `; did you mean --${guess}?` : ""}`;
}

class UsageError extends Error {}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Where erase and purge read a confirmation from (default process.stdin). */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
}

export async function main(argv: string[], io: CliIo = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) }): Promise<number> {
  // The witness has options of its own; it parses them itself.
  if (argv[0] === "witness") return witnessCommand(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: OPTIONS,
    });
  } catch (err) {
    io.err(`agent-audit: ${explainParseError(err as Error)}\nRun agent-audit --help for usage.`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(version());
    return 0;
  }
  if (values.help || !command || command === "help") {
    io.out(HELP);
    return command || values.help ? 0 : 2;
  }
  const dir = values.dir ?? process.env.AGENT_AUDIT_DIR ?? DEFAULT_AUDIT_DIR;
  const color = !values["no-color"] && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  let badLines = 0;
  const onBadLine = (bad: BadLine) => {
    badLines++;
    if (badLines <= 3) io.err(`agent-audit: skipped ${bad.file}:${bad.line}: ${bad.reason}`);
  };

  const actor = values.actor ?? currentActor();
  // Free text (an erasure's reason) and identifiers (a user or session that may be an e-mail
  // address) are redacted before they are stored: the access log is append-only and outlives
  // every erasure. The actor is kept as given: it is who is accountable for the access.
  let redactor: ReturnType<typeof createRedactor> | undefined;
  const redactText = (text: string) => (redactor ??= createRedactor()).redactText(text);
  const logAccess = (trail: string, action: string, target?: string) => appendAccess(trail, { actor, action, target: target === undefined ? undefined : redactText(target) });
  // Reading a trail is itself recorded (who, what, when), and refused if its files were opened up.
  const refuseWidened = (trail: string) => {
    const widened = widenedPermissions(trail);
    if (widened && !values["allow-insecure-permissions"]) {
      throw new UsageError(`${widened} is readable by other users; fix it with chmod (0700 directories, 0600 files) or pass --allow-insecure-permissions`);
    }
  };
  const reading = (action: string, target?: string) => {
    refuseWidened(dir);
    if (existsSync(dir)) logAccess(dir, action, target);
  };
  /**
   * Shows a change's plan and decides whether to make it (confirm.ts). The plan goes to stdout, or
   * to stderr with --json (stdout is then the result's JSON; --dry-run prints the plan as JSON).
   * `before` runs once the plan is shown and before asking (a check that can still refuse, such as
   * a missing key); its value is handed back. An empty plan needs no confirmation: nothing changes.
   * Returns an exit code when the command must stop there.
   */
  const gate = async <T>(what: string, lines: string[], plan: unknown, empty: boolean, before: () => T): Promise<T | number> => {
    if (values.json && values["dry-run"]) io.out(JSON.stringify({ dry_run: true, plan }, null, 2));
    else for (const line of lines) (values.json ? io.err : io.out)(line);
    if (values["dry-run"]) {
      if (!values.json) io.out("--dry-run: nothing was changed.");
      return 0;
    }
    const checked = before();
    if (empty) return checked;
    const decision = await confirmChange(what, { yes: values.yes }, { input: io.input ?? process.stdin, prompt: process.stderr });
    if (decision.go) return checked;
    io.err(`agent-audit: ${decision.message}`);
    return decision.code;
  };

  try {
    switch (command) {
      case "query":
      case "stats":
      case "export": {
        const target = values.store ?? dir;
        const isDir = storeKind(target) === "dir";
        if (isDir) {
          refuseWidened(target);
          if (existsSync(target)) logAccess(target, command, describeFilter(values));
        }
        const progress = progressLine(command, { json: values.json });
        const store = isDir && !values["no-index"] ? new IndexedStore(target, { onProgress: progress.update }) : openStore(target, { table: values.table, onProgress: progress.update });
        try {
          const filter = filterFrom({ ...values, user: values.user });
          if (command === "stats") {
            const report = await statsReport(store, filter);
            if (values.json) io.out(JSON.stringify(report, null, 2));
            else for (const line of renderStats(report)) io.out(line);
            return 0;
          }
          const format = command === "export" ? (values.format ?? "jsonl") : values.json ? "jsonl" : "text";
          if (!["jsonl", "csv", "text"].includes(format)) throw new UsageError(`--format must be jsonl or csv, got "${format}"`);
          if (format === "csv") io.out(csvHeader());
          const events: AuditEvent[] = [];
          for await (const e of store.events(filter)) {
            if (format === "jsonl") io.out(JSON.stringify(e));
            else if (format === "csv") io.out(csvRow(e));
            else events.push(e);
          }
          if (format === "text") {
            if (!events.length) io.out("No events match.");
            else for (const line of renderTimeline(events, { color })) io.out(line);
          }
          return 0;
        } finally {
          progress.done();
          await store.close();
        }
      }
      case "serve": {
        const target = values.store ?? dir;
        const isDir = storeKind(target) === "dir";
        if (isDir) refuseWidened(target);
        const port = values.port === undefined ? 4319 : Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
        const store = isDir && !values["no-index"] ? new IndexedStore(target) : openStore(target, { table: values.table });
        let server;
        try {
          server = await serve({ store, dir: isDir ? target : undefined, host: values.host, port, token: values.token, actor: values.actor, publicKey: values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined, allowedHosts: values["allowed-host"], onError: (err) => io.err(`agent-audit serve: ${err.message}`) });
        } catch (err) {
          await store.close();
          if (err instanceof AuditConfigError) throw new UsageError(`--allowed-host: ${err.message.replace(/^allowedHosts: /, "")}`);
          throw err;
        }
        io.out(`agent-audit viewer on ${server.url}${server.token && !values.token ? "  (token generated: keep this URL private)" : ""}`);
        io.out("Ctrl-C to stop.");
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
        await server.close();
        await store.close();
        return 0;
      }
      case "migrate": {
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
      case "verify": {
        const publicKey = values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined;
        const target = rest[0] ?? values.store;
        if (target && storeKind(target) === "postgres") {
          const report = await verifyPostgres(target, { table: values.table, publicKey });
          if (values.json) io.out(JSON.stringify(report, null, 2));
          else for (const line of describeVerify(report, `${endpointLabel(target) ?? "postgres"} ${report.store?.table}`)) io.out(line);
          return verifyStatus(report);
        }
        if (values.store && storeKind(values.store) === "s3") {
          // An archive: download it into the local layout, verify that.
          const archive = await downloadArchive(values.store);
          try {
            const report = await verifyTrail(archive.dir, { publicKey });
            if (values.json) io.out(JSON.stringify({ ...report, objects: archive.objects, duplicates: archive.duplicates }, null, 2));
            else for (const line of describeVerify(report, values.store)) io.out(line);
            return verifyStatus(report);
          } finally {
            archive.cleanup();
          }
        }
        reading("verify");
        // A remote witness is fetched into a directory witness's layout first.
        const fetched = values.witness?.startsWith("s3://") ? await downloadS3Witness(values.witness) : undefined;
        const http = values.witness && /^https?:\/\//.test(values.witness) ? values.witness : undefined;
        try {
          const witnessedHeads = http ? await fetchWitnessedHeads(http, chainsIn(dir)) : undefined;
          const mlDsaPublicKey = values["ml-dsa-key"] ? readFileSync(values["ml-dsa-key"], "utf8") : undefined;
          const progress = progressLine("verify", { json: values.json });
          const report = await verifyTrail(dir, { publicKey, witness: http ? undefined : (fetched?.dir ?? values.witness), witnessedHeads, mlDsaPublicKey, onProgress: progress.update }).finally(() => progress.done());
          if (values.json) io.out(JSON.stringify(report, null, 2));
          else for (const line of describeVerify(report, dir)) io.out(line);
          return verifyStatus(report);
        } finally {
          fetched?.cleanup();
        }
      }
      case "prove": {
        reading("prove", describeFilter(values));
        const progress = progressLine("prove", { json: values.json });
        return await proveCommand({ onProgress: progress.update,  dir, event: values.event, session: values.session, user: values.user, since: values.since, until: values.until, out: values.out, publicKey: values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined }, io).finally(() => progress.done());
      }
      case "verify-bundle": {
        if (!rest[0]) throw new UsageError("verify-bundle needs the bundle file: agent-audit verify-bundle <file>");
        return verifyBundleCommand(rest[0], values["public-key"], values.json, io, values["witness-key"] ?? []);
      }
      case "trust": {
        const [verb, target] = rest;
        if (verb === "list") {
          const keys = [...storedKeys().keys()];
          if (values.json) io.out(JSON.stringify({ key_store: keyStoreDir(), keys }, null, 2));
          else io.out(keys.length ? `Trusted keys in ${keyStoreDir()}:\n${keys.map((k) => `  ${k}`).join("\n")}` : `No trusted keys in ${keyStoreDir()} yet.`);
          return 0;
        }
        if (verb !== "add" || !target) throw new UsageError("trust add <key.pem|trail dir> pins a key (check it out of band first); trust list shows the trusted keys");
        const added = trustAdd(target);
        io.out(added.pinned ? `Pinned ${added.pinned} to key ${added.key_id}: verify will trust that key for this trail, and say so if the trail's key ever changes.` : `Trusted key ${added.key_id} (in ${keyStoreDir()}).`);
        return 0;
      }
      case "repair": {
        if (!existsSync(dir)) throw new UsageError(`no trail at ${dir}`);
        reading("repair");
        // Opening a trail on the directory is what acknowledges dead writers' torn tails.
        const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], exitHandlers: false, integrity: values["key-file"] ? { keyFile: values["key-file"] } : undefined });
        const recovered = trail.recovered;
        const sealed = trail.sealedChains;
        await trail.shutdown();
        if (values.json) io.out(JSON.stringify({ recovered, sealed, chain_id: trail.chainId }, null, 2));
        else if (!recovered.length && !sealed.length) io.out(`Nothing to repair in ${dir}: no dead writer left a torn last line or unsigned events.`);
        else {
          for (const r of recovered) io.out(`acknowledged ${r.file}: ${plural(r.length, "torn byte")} at offset ${r.offset} (sha256 ${r.sha256}), chain ${r.chain_id}`);
          for (const c of sealed) io.out(`sealed chain ${c}: a signed checkpoint now covers the events its dead writer left unsigned`);
          if (recovered.length) io.out(`Sealed ${plural(recovered.length, "trail.recovery record")} in chain ${trail.chainId} under a signed checkpoint; verify no longer reports these as torn tails (run agent-audit verify for the rest).`);
        }
        return 0;
      }
      case "erase": {
        if (!values.user) throw new UsageError("erase needs --user <id> (and should have --actor and --reason)");
        // The reason is free text: redacted before it is stored in the record, tombstones or access log.
        const reason = values.reason !== undefined ? redactText(values.reason) : undefined;
        const target = rest[0] ?? values.store;
        if (target && storeKind(target) === "clickhouse") {
          const conn = new ClickHouseConnection(parseClickHouseTarget(target, values.table));
          try {
            const plan = await planClickHouseErasure(conn, values.user);
            const stop = await gate("erase", describePostgresPlan("erase", plan, `${endpointLabel(target) ?? "clickhouse"} ${conn.target.database}.${conn.target.table}`, `user "${values.user}"`), plan, plan.rows === 0, () =>
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
            const stop = await gate("erase", describePostgresPlan("erase", plan, `${endpointLabel(target) ?? "postgres"} ${table}`, `user "${values.user}"`), plan, plan.rows === 0, () =>
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
        const stop = await gate("erase", describeErasurePlan(plan, dir), plan, plan.events === 0, () => undefined);
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
      case "purge": {
        if (!values["older-than"]) throw new UsageError("purge needs --older-than <age>, e.g. --older-than 90d");
        const age = parseAge(values["older-than"]);
        if (values.store && storeKind(values.store) === "clickhouse") {
          const conn = new ClickHouseConnection(parseClickHouseTarget(values.store, values.table));
          const before = new Date(Date.now() - age).toISOString();
          try {
            const plan = await planClickHousePurge(conn, before);
            const stop = await gate("purge", describePostgresPlan("purge", plan, `${endpointLabel(values.store) ?? "clickhouse"} ${conn.target.database}.${conn.target.table}`, `rows older than ${before}`), plan, plan.rows === 0, () => undefined);
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
            const stop = await gate("purge", describePostgresPlan("purge", plan, `${endpointLabel(values.store) ?? "postgres"} ${table}`, `rows older than ${before}`), plan, plan.rows === 0, () => undefined);
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
        const stop = await gate("purge", describePurgePlan(plan, dir), { ...plan, ranges: undefined }, plan.segments.length === 0, () => undefined);
        if (typeof stop === "number") return stop;
        const key = loadOrCreateSigningKey({ keyFile: values["key-file"], trailDir: dir });
        // Exactly the segments shown: a segment that expired while the person read is left for next time.
        const result = applyPurge(dir, plan, key, now);
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else io.out(`Purged ${plural(result.segments.length, "segment")}, ${plural(result.events, "event")} before ${result.cutoff}; a signed checkpoint records it.`);
        return 0;
      }
      case "demo":
        await runDemo({ dir, color, out: io.out });
        return 0;
      case "index": {
        // Derived data: --rebuild drops every part and compacts the closed segments again.
        if (values.rebuild) dropIndex(dir);
        const store = new IndexedStore(dir);
        try {
          await store.toolStats();
        } finally {
          await store.close();
        }
        const m = readManifest(dir);
        io.out(`Indexed ${Object.keys(m.segments).length} closed segment(s), ${Object.values(m.segments).reduce((n, s) => n + s.rows, 0)} events`);
        return 0;
      }
      case "sessions": {
        let sessions;
        if (values.store && storeKind(values.store) !== "dir") {
          // A database or archive: the same summaries, from its events in storage order.
          const store = openStore(values.store, { table: values.table });
          try {
            sessions = await summarizeSessions(store.events({}, { ordered: false }));
          } finally {
            await store.close();
          }
        } else {
          reading("sessions");
          sessions = values["no-index"] ? await listSessions(dir, { onBadLine }) : await readIndexed(dir, (store) => store.listSessions({ onBadLine }));
        }
        if (values.json) {
          io.out(JSON.stringify(sessions, null, 2));
          return 0;
        }
        if (sessions.length === 0) {
          io.out(`No sessions in ${dir}. Record some with the handler, or run: agent-audit demo`);
          return 0;
        }
        const rows = sessions.map((s) => [s.session_id, s.user_id ?? "", s.last_ts.replace("T", " ").slice(0, 19), String(s.invocations), String(s.llm_calls), String(s.tool_calls), String(s.errors), String(s.total_tokens)]);
        printTable(["SESSION", "USER", "LAST EVENT (UTC)", "RUNS", "MODEL", "TOOLS", "ERRORS", "TOKENS"], rows, io.out);
        return 0;
      }
      case "show": {
        const sessionId = rest[0];
        if (!sessionId) throw new UsageError("show needs a session id: agent-audit show <session_id> (list them with agent-audit sessions)");
        reading("show", `session ${sessionId}`);
        const events = values["no-index"] ? await sessionEvents(dir, sessionId, { onBadLine }) : await readIndexed(dir, (store) => store.sessionEvents(sessionId, { onBadLine }));
        if (events.length === 0) {
          io.err(`agent-audit: no events for session "${sessionId}" in ${dir}`);
          return 1;
        }
        if (values.json) for (const e of events) io.out(JSON.stringify(e));
        else for (const line of renderTimeline(events, { color })) io.out(line);
        return 0;
      }
      case "tail": {
        const lines = values.lines === undefined ? 20 : Number(values.lines);
        if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, got "${values.lines}"`);
        reading("tail");
        await tail({ dir, lines, follow: values.follow, json: values.json, color, out: io.out, onBadLine });
        return 0;
      }
      case "status": {
        const status = await deliveryStatus(dir);
        if (values.json) {
          io.out(JSON.stringify(status, null, 2));
          return 0;
        }
        if (status.length === 0) {
          io.out(`No remote sinks have delivered from ${dir} (the JSONL trail itself is always complete).`);
          return 0;
        }
        const rows = status.flatMap((s) =>
          s.chains.map((c) => [s.sink, c.chain_id.slice(0, 13) + "…", c.live ? "writing" : "ended", String(c.delivered), String(c.lag_events), String(c.dead_lettered), String(c.dropped), c.updated.replace("T", " ").slice(0, 19)]),
        );
        printTable(["SINK", "CHAIN", "WRITER", "DELIVERED", "LAG", "DEAD-LETTERED", "DROPPED", "CURSOR UPDATED (UTC)"], rows, io.out);
        for (const s of status) if (s.dead_letters) io.out(`${s.sink}: ${plural(s.dead_letters, "dead-lettered event")} in ${deadLetterFile(dir, s.sink)}`);
        return status.some((s) => s.dead_letters > 0) ? 1 : 0;
      }
      default: {
        const guess = nearest(command, COMMANDS);
        throw new UsageError(`unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ""}`);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`agent-audit: ${err.message}\nRun agent-audit --help for usage.`);
      return 2;
    }
    io.err(`agent-audit: ${(err as Error).message}`);
    return 1;
  } finally {
    if (badLines > 3) io.err(`agent-audit: skipped ${badLines} unreadable lines in all`);
  }
}

function printTable(header: string[], rows: string[][], out: (s: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  out(line(header));
  for (const r of rows) out(line(r));
}

/** The chains a trail directory holds, by their segments or their digest files. */
function chainsIn(dir: string): string[] {
  const chains = new Set(segmentsByChain(dir).keys());
  const digests = join(dir, ".digests");
  if (existsSync(digests)) for (const f of readdirSync(digests)) if (/^[0-9a-f-]{36}\.jsonl$/.test(f)) chains.add(f.slice(0, 36));
  return [...chains];
}

function describeFilter(v: Record<string, unknown>): string {
  return ["event", "session", "user", "since", "until", "type", "level"].filter((k) => v[k] !== undefined).map((k) => `${k}=${String(v[k])}`).join(" ") || "all";
}

/** The first trail file or directory other users may read (or write), if any. */
function widenedPermissions(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (statSync(dir).mode & 0o077) return dir;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".jsonl")) continue;
    const file = join(dir, name);
    if (statSync(file).mode & 0o077) return file;
  }
  return undefined;
}

function version(): string {
  return VERSION;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Run when executed as the bin (not when imported by tests).
if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

/** Reads through the columnar index of `dir`, closed afterwards. */
async function readIndexed<T>(dir: string, read: (store: IndexedStore) => Promise<T>): Promise<T> {
  const store = new IndexedStore(dir);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}
