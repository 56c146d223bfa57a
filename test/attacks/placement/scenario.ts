/**
 * One placement run: real destinations on loopback, the user's program (child.mjs) in its own
 * process against the built package, then what operators do next with the built CLI (erase with a
 * reason, query, export, show, tail, status, verify, the viewer), and everything read back, sorted
 * by location.
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import { S3Client } from "@aws-sdk/client-s3";
import { tempDir } from "../../helpers.js";
import type { Doc } from "./leaks.js";
import type { Probes } from "./probes.js";
import { Destination, elasticsearch, langsmith, rejecting } from "./receivers.js";
import { agentAudit, filesUnder, postgresRows, runNode, s3Objects, viewPages, type Ran } from "./collect.js";

const CHILD = fileURLToPath(new URL("./child.mjs", import.meta.url));
const WEBHOOK_SECRET = `whsec_${Buffer.from("placement-test-secret-32-bytes!!").toString("base64")}`;

export interface S3Place {
  bucket: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface ScenarioOptions {
  probes: Probes;
  /** Free text quoting the probes, given to both erasures (trail.eraseUser and the CLI). */
  reason: string;
  /** Extra texts the child's redactor must also replace (redaction.custom); none: as shipped. */
  oracle?: string[];
  /** `redaction: false`: proves every location test can fail. */
  redactionOff?: boolean;
  s3: S3Place;
  /** PostgreSQL, when a server is available. */
  db?: string;
  name: string;
}

export interface Scenario {
  child: Ran;
  /** The child's last line: what the trail told the application. */
  told: { flushed: { complete: boolean }; erasure: { events: number; forwarded: Record<string, string> }; errors: unknown[] } | undefined;
  commands: Array<{ args: string[]; ran: Ran }>;
  /** What the viewer answered, page by page. */
  pages: string[];
  docs: Record<string, Doc[]>;
}

export async function runScenario(o: ScenarioOptions): Promise<Scenario> {
  const destinations = {
    webhook: new Destination("webhook"),
    rejecting: new Destination("rejecting", rejecting),
    langfuse: new Destination("langfuse"),
    langfuseLegacy: new Destination("langfuse-legacy"),
    langsmith: new Destination("langsmith", langsmith),
    otlp: new Destination("otlp"),
    otlpProtobuf: new Destination("otlp-protobuf"),
    elasticsearch: new Destination("elasticsearch", elasticsearch),
  };
  const dir = tempDir(`placement-${o.name}-trail-`);
  const spoolDir = tempDir(`placement-${o.name}-spool-`);
  const table = `placement_${o.name}_${process.pid}`;
  const prefix = `${o.name}-${process.pid}`;
  const pool = o.db ? new pg.Pool({ connectionString: o.db, max: 1 }) : undefined;
  try {
    const http = Object.fromEntries(await Promise.all(Object.entries(destinations).map(async ([k, d]) => [k, await d.start()])));
    const config = {
      dir,
      spoolDir,
      probes: o.probes,
      reason: o.reason,
      oracle: o.oracle,
      http,
      webhookSecret: WEBHOOK_SECRET,
      s3: { bucket: o.s3.bucket, prefix, endpoint: o.s3.endpoint, forcePathStyle: true, credentials: o.s3.credentials },
      postgres: o.db ? { connectionString: o.db, table } : undefined,
      redaction: o.redactionOff ? false : undefined,
    };
    const child = await runNode([CHILD, JSON.stringify(config)]);
    const last = child.stdout.trim().split("\n").at(-1) ?? "";
    const told = last.startsWith("{") ? (JSON.parse(last) as Scenario["told"]) : undefined;

    const commands: Scenario["commands"] = [];
    /** Commands whose output is not searched: they echo the operator's own argument back. */
    const echoing = new Set<Scenario["commands"][number]>();
    const cli = async (...args: string[]) => commands.push({ args, ran: await agentAudit(args) });
    await cli("erase", "--yes", "--dir", spoolDir, "--user", "user-erased-cli", "--actor", "dpo", "--reason", o.reason);
    await cli("query", "--dir", dir, "--json");
    await cli("query", "--dir", dir, "--user", o.probes.email);
    await cli("export", "--dir", dir, "--format", "csv");
    await cli("show", "sess-placement", "--dir", dir);
    // No such session: "no events for session <the id given>" on stderr, to whoever typed the id.
    // What matters is the access log, which must not keep it.
    await cli("show", o.probes.email, "--dir", dir);
    echoing.add(commands.at(-1)!);
    await cli("tail", "--dir", dir, "-n", "1000", "--json");
    await cli("sessions", "--dir", dir);
    await cli("status", "--dir", spoolDir);
    await cli("verify", "--dir", spoolDir, "--json");
    if (o.db) {
      await cli("erase", "--yes", "--user", "user-erased-cli", "--actor", "dpo", "--reason", o.reason, "--table", table, o.db);
      await cli("query", "--store", o.db, "--table", table, "--json");
    }
    // Page views are access-logged; a session id can be an e-mail address, %-encoded in the path.
    const pages = await viewPages(dir, ["/", "/session/sess-placement", `/session/${encodeURIComponent(o.probes.email)}`]);

    const docs: Record<string, Doc[]> = {};
    const files = [...filesUnder(dir, "trail"), ...filesUnder(spoolDir, "spool")];
    const isSegment = (d: Doc) => /^(trail|spool)\/[^/]+\.jsonl$/.test(d.where);
    docs.trail = files.filter((d) => isSegment(d) && d.where.startsWith("trail/"));
    docs.spool = files.filter((d) => isSegment(d) && d.where.startsWith("spool/"));
    docs.deadLetters = files.filter((d) => d.where.endsWith("/dead-letter.jsonl"));
    docs.accessLogs = files.filter((d) => d.where.includes("/.access/"));
    const sorted = new Set([...docs.trail, ...docs.spool, ...docs.deadLetters, ...docs.accessLogs]);
    docs.otherFiles = files.filter((d) => !sorted.has(d));
    docs.toldTheApp = [
      { where: "child stdout", text: child.stdout },
      { where: "child stderr (warnings)", text: child.stderr },
    ];
    docs.cli = commands.filter((c) => !echoing.has(c)).map(({ args, ran }) => ({ where: `agent-audit ${args[0]}`, text: `${ran.stdout}\n${ran.stderr}` }));
    for (const [k, d] of Object.entries(destinations)) docs[k] = d.bodies.map((r, i) => ({ where: `${d.name} ${r.method} ${r.url.split("?")[0]} #${i + 1}`, text: r.body }));
    const s3 = new S3Client({ region: "us-east-1", endpoint: o.s3.endpoint, forcePathStyle: true, credentials: o.s3.credentials, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
    docs.s3 = await s3Objects(s3, o.s3.bucket, `${prefix}/`);
    if (pool) docs.postgres = await postgresRows(pool, table);
    return { child, told, commands, pages, docs };
  } finally {
    await Promise.all(Object.values(destinations).map((d) => d.close()));
    await pool?.end();
  }
}
