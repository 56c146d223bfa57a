#!/usr/bin/env node
/**
 * `agent-audit`: the command line over a trail. Each command is a thin layer over store/ and
 * pipeline/, in its own module under commands/; this file only parses arguments, builds the
 * context every command is handed (context.ts) and turns what a command throws into an exit code.
 */
import { parseArgs } from "node:util";
import { existsSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_TABLE } from "../store/postgres-schema.js";
import { DEFAULT_AUDIT_DIR } from "../format/trail-format.js";
import type { BadLine } from "../store/jsonl.js";
import { nearest } from "../shared/nearest.js";
import { appendAccess, currentActor } from "../integrity/access-log.js";
import { createRedactor } from "../redact/redactor.js";
import { VERSION } from "../version.js";
import { UsageError, type CliIo, type Command, type CommandContext } from "./context.js";
import { runDemo } from "./demo.js";
import { witnessCommand } from "./witness.js";
import { queryCommand } from "./commands/query.js";
import { serveCommand } from "./commands/serve.js";
import { migrateCommand } from "./commands/migrate.js";
import { verifyCommand } from "./commands/verify.js";
import { proveCommand, verifyBundleCommand } from "./commands/prove.js";
import { trustCommand } from "./commands/trust.js";
import { repairCommand } from "./commands/repair.js";
import { eraseCommand } from "./commands/erase.js";
import { purgeCommand } from "./commands/purge.js";
import { indexCommand } from "./commands/build-index.js";
import { sessionsCommand, showCommand, statusCommand, tailCommand } from "./commands/sessions.js";

export type { CliIo } from "./context.js";

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

/** Each command's module (commands/); witness and help are answered before the table is read. */
const RUN = new Map<string, Command>([
  ["demo", async ({ dir, color, io }) => {
    await runDemo({ dir, color, out: io.out });
    return 0;
  }],
  ["index", indexCommand],
  ["sessions", sessionsCommand],
  ["show", showCommand],
  ["tail", tailCommand],
  ["status", statusCommand],
  ["query", queryCommand],
  ["stats", queryCommand],
  ["export", queryCommand],
  ["serve", serveCommand],
  ["migrate", migrateCommand],
  ["verify", verifyCommand],
  ["repair", repairCommand],
  ["prove", proveCommand],
  ["verify-bundle", verifyBundleCommand],
  ["trust", trustCommand],
  ["erase", eraseCommand],
  ["purge", purgeCommand],
]);

/** The names an unknown command is matched against, in this order. */
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
  const ctx: CommandContext = { command, values, rest, dir, io, color, onBadLine, actor, redactText, logAccess, refuseWidened, reading };

  try {
    const run = RUN.get(command);
    // Options before "witness" were parsed as ours: the witness reads its own, after its name.
    if (command === "witness") throw new UsageError("witness comes first, its options after it: agent-audit witness serve --dir <state> … (agent-audit witness --help)");
    if (!run) {
      const guess = nearest(command, COMMANDS);
      throw new UsageError(`unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ""}`);
    }
    return await run(ctx);
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
