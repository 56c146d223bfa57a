/**
 * The package as a user installs it (issue 20): `npm pack` from a copy of the sources (so its
 * prepack build runs without touching the dist/ other tests use), installed into a fresh project
 * with only the required peers, TypeScript and @types/node from the registry. Then: an ESM import
 * that records a real LangChain agent run, the bin (`--version`, `verify`), `require()`'s
 * message, and the shipped declarations under `tsc` with skipLibCheck off and no optional peers.
 *
 * It needs the npm registry; when `npm ping` fails it skips and says why.
 */
import { execFile, type ExecFileException } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const version = (JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string }).version;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to the end and reports how it ended (never throws on a non-zero exit). */
function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: opts.timeout ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err: ExecFileException | null, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) + (err && typeof err.code !== "number" ? `\n${err.message}` : "") });
    });
  });
}

const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

// Detected, not guessed: the registry answers a ping or the install cannot work.
const ping = await run("npm", ["ping", "--fetch-retries=0"], { cwd: repo, timeout: 30_000 });
const pingError = ping.stderr.split("\n").filter((l) => /error/i.test(l)).slice(0, 2).join(" / ") || ping.stderr.trim().slice(-200);
const registryDown = ping.code !== 0 ? `npm registry unreachable (npm ping: ${pingError.slice(0, 300)}); the install test needs it` : undefined;
if (registryDown) console.warn(`test/package/pack.test.ts skipped: ${registryDown}`);

/** Every file the sources build into: a .js and a .d.ts per module, the viewer's assets. */
function expectedBuild(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(join(repo, "src"), path);
      if (entry.isDirectory()) walk(path);
      else if (rel.startsWith("serve/assets/")) out.push(`dist/${rel}`);
      else if (rel.endsWith(".cts")) out.push(`dist/${rel.replace(/\.cts$/, ".cjs")}`, `dist/${rel.replace(/\.cts$/, ".d.cts")}`);
      else if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) out.push(`dist/${rel.replace(/\.ts$/, ".js")}`, `dist/${rel.replace(/\.ts$/, ".d.ts")}`);
    }
  };
  walk(join(repo, "src"));
  return out;
}

/** A consumer's TypeScript over the main API, LangChain's types included. */
const CONSUMER_TS = `
import { createPrivateKey } from "node:crypto";
import { RunnableLambda } from "@langchain/core/runnables";
import { createAgent, fakeModel, AIMessage } from "langchain";
import {
  AuditCallbackHandler, createAuditTrail, jsonlSink, memorySink, consoleSink, webhookSink, postgresSink, s3Sink,
  elasticsearchSink, PostgresStore, migratePostgres, erasePostgres, verifyPostgres, verifyTrail, downloadArchive,
  prove, verifyBundle, serve, openStore, createRedactor,
  type AuditEvent, type PgPoolLike, type S3ClientLike, type VerifyReport, type AuditTrailOptions,
} from "agent-audit-trail";

const options: AuditTrailOptions = { sinks: [jsonlSink({ dir: ".audit" }), memorySink(), consoleSink()], level: "debug" };
const trail = createAuditTrail(options);
const handler: AuditCallbackHandler = trail.handler({ sessionId: "sess_1", userId: "user_1" });
export const upper: Promise<string> = RunnableLambda.from(async (x: string) => x.toUpperCase()).invoke("hi", { callbacks: [handler] });
export const agent = createAgent({ model: fakeModel().respond(new AIMessage("ok")), tools: [], middleware: [trail.middleware({ policy: [{ tool: "*", action: "allow" }] })] });
trail.record({ type: "custom", name: "approval", data: { by: "alice" } });

// Structural clients: what a pg pool or an S3 client has to offer, without their packages' types.
declare const pool: PgPoolLike;
declare const s3: S3ClientLike;
export const sinks = [postgresSink({ pool }), s3Sink({ bucket: "audit", client: s3 }), elasticsearchSink({ node: "http://localhost:9200" }), webhookSink({ url: "https://example.com/hook" })];
export const store = new PostgresStore({ pool });
export const migrated: Promise<void> = migratePostgres(pool, "audit_events");
export const erased = erasePostgres(pool, "audit_events", { userId: "user_1" }, { actor: "dpo", signingKey: createPrivateKey("PEM") });
export const checked: Promise<VerifyReport> = verifyPostgres(undefined, { pool });
export const archive = downloadArchive("s3://audit/trail", { client: s3 });
export const report: Promise<VerifyReport> = verifyTrail(".audit");
export const helpers = [prove, verifyBundle, serve, openStore, createRedactor];
export const firstType = (e: AuditEvent): string => e.type;
`;

/** Misuse the declarations must reject: proof that tsc reads real types, not \`any\`. */
const MISUSE_TS = `
import { createAuditTrail, postgresSink } from "agent-audit-trail";
createAuditTrail({ level: "loud" });
postgresSink({ pool: { query: 42 } });
`;

/** Per test: child processes and tsc over LangChain's declarations, on a shared two-core machine. */
const SLOW = 300_000;

const TSCONFIG = {
  compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, skipLibCheck: false, noEmit: true, types: ["node"] },
};

/** Records a real createAgent run through the installed package, from an ES module. */
const RECORD_MJS = `
import { createAgent, fakeModel, AIMessage } from "langchain";
import { createAuditTrail, jsonlSink } from "agent-audit-trail";
const trail = createAuditTrail({ sinks: [jsonlSink({ dir: process.argv[2] })], level: "debug" });
const agent = createAgent({ model: fakeModel().respond(new AIMessage("Paris it is.")), tools: [], middleware: [trail.middleware()] });
const result = await agent.invoke(
  { messages: [{ role: "user", content: "Where to? Mail me at jane.doe@example.com" }] },
  { callbacks: [trail.handler({ sessionId: "sess_pack", userId: "user_pack" })] },
);
trail.record({ type: "custom", name: "approval", data: { by: "alice" } });
await trail.shutdown();
console.log(JSON.stringify({ answer: result.messages.at(-1).content }));
`;

describe.skipIf(registryDown !== undefined)("the packed package, installed", () => {
  let root: string;
  let tarball: string;
  let packed: string[];
  let consumer: string;
  let install: Run;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = tempDir("audit-pack-");
    // A copy of the sources, as a fresh checkout would be; node_modules linked for the build.
    const source = join(root, "source");
    mkdirSync(source);
    for (const entry of ["package.json", "README.md", "LICENSE", "tsconfig.json", "src", "scripts", "schema"]) cpSync(join(repo, entry), join(source, entry), { recursive: true });
    symlinkSync(join(repo, "node_modules"), join(source, "node_modules"), "dir");
    // A module deleted from src/ but left in dist/: prepack must not ship it.
    mkdirSync(join(source, "dist"));
    writeFileSync(join(source, "dist", "stale-module.js"), "export {};\n");

    const out = join(root, "out");
    mkdirSync(out);
    const pack = await run("npm", ["pack", "--json", "--pack-destination", out], { cwd: source, timeout: 300_000 });
    if (pack.code !== 0) throw new Error(`npm pack failed\n${shown(pack)}`);
    // The JSON report, after whatever the prepack build printed.
    const json = pack.stdout.slice(pack.stdout.search(/^\[/m));
    const [info] = JSON.parse(json) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(out, info!.filename);
    packed = info!.files.map((f) => f.path);

    consumer = join(root, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2));
    // Only the required peers (npm would add them anyway), TypeScript and Node's types: no
    // @aws-sdk/client-s3, no @elastic/elasticsearch, no @types/pg.
    install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, "@langchain/core@^1", "langchain@^1", "typescript@5.9", "@types/node@20"], { cwd: consumer, timeout: 480_000 });
    env = { AGENT_AUDIT_KEY_DIR: join(root, "keys"), AGENT_AUDIT_DIR: join(root, "unused-default-trail") };
  }, 900_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  }, 120_000); // a node_modules tree takes a while to delete on a busy machine

  it("packs the built dist/ (JS, declarations, viewer assets), schema/ and README, nothing else", () => {
    for (const file of [...expectedBuild(), "schema/audit-event.schema.json", "README.md", "LICENSE", "package.json"]) expect(packed, file).toContain(file);
    const unexpected = packed.filter((p) => !/^dist\/.+\.(js|cjs|d\.ts|d\.cts|css|html)$/.test(p) && !["schema/audit-event.schema.json", "README.md", "LICENSE", "package.json"].includes(p));
    expect(unexpected).toEqual([]);
    expect(packed.filter((p) => /^(src|test|bench|scripts|examples)\//.test(p) || p.endsWith(".map"))).toEqual([]);
    expect(packed).not.toContain("dist/stale-module.js");
  });

  it("installs with only the required peers", () => {
    expect(install.code, shown(install)).toBe(0);
    for (const peer of ["@langchain/core", "langchain", "agent-audit-trail"]) expect(existsSync(join(consumer, "node_modules", peer)), peer).toBe(true);
    // Were any of these present, the type check below could pass thanks to them.
    for (const absent of ["@aws-sdk/client-s3", "@elastic/elasticsearch", "@types/pg"]) expect(existsSync(join(consumer, "node_modules", absent)), absent).toBe(false);
  });

  it("records a LangChain agent run from an ES module, and the bin verifies the trail", async () => {
    expect(install.code, shown(install)).toBe(0);
    const trailDir = join(root, "trail");
    writeFileSync(join(consumer, "record.mjs"), RECORD_MJS);
    const recorded = await run("node", ["record.mjs", trailDir], { cwd: consumer, env });
    expect(recorded.code, shown(recorded)).toBe(0);
    expect(JSON.parse(recorded.stdout.trim().split("\n").pop()!)).toEqual({ answer: "Paris it is." });

    const segments = readdirSync(trailDir).filter((f) => f.endsWith(".jsonl"));
    const lines = segments.flatMap((f) => readFileSync(join(trailDir, f), "utf8").trim().split("\n"));
    const events = lines.map((l) => JSON.parse(l) as { type: string; name?: string; session_id?: string });
    const types = new Set(events.map((e) => e.type));
    for (const t of ["input", "llm_start", "llm_end", "output", "custom"]) expect(types, t).toContain(t);
    expect(events.filter((e) => e.type === "input").every((e) => e.session_id === "sess_pack")).toBe(true);
    expect(lines.join("\n")).not.toContain("jane.doe@example.com"); // redacted before it was written

    const versionRun = await run("npx", ["--no-install", "agent-audit", "--version"], { cwd: consumer, env });
    expect(versionRun.code, shown(versionRun)).toBe(0);
    expect(versionRun.stdout.trim()).toBe(version); // 0.0.0 would mean the bin cannot read its package.json

    const verified = await run("npx", ["--no-install", "agent-audit", "verify", "--dir", trailDir], { cwd: consumer, env });
    expect(verified.code, shown(verified)).toBe(0);

    // The same bin catches an edited event: verify is really checking.
    const file = join(trailDir, segments[0]!);
    writeFileSync(file, readFileSync(file, "utf8").replace("Paris it is.", "Rome it is.."));
    const tampered = await run("npx", ["--no-install", "agent-audit", "verify", "--dir", trailDir], { cwd: consumer, env });
    expect(tampered.code, shown(tampered)).toBe(1);
  }, SLOW);

  it("require() says the package is ESM-only and how to import it; import() from CommonJS works", async () => {
    expect(install.code, shown(install)).toBe(0);
    writeFileSync(join(consumer, "require.cjs"), 'require("agent-audit-trail");\n');
    const required = await run("node", ["require.cjs"], { cwd: consumer });
    expect(required.code).not.toBe(0);
    expect(required.stderr).toContain("agent-audit-trail is an ES module only package");
    expect(required.stderr).toContain('import { createAuditTrail } from "agent-audit-trail"');
    expect(required.stderr).toContain('await import("agent-audit-trail")');

    writeFileSync(join(consumer, "dynamic.cjs"), 'import("agent-audit-trail").then((m) => console.log(typeof m.createAuditTrail));\n');
    const imported = await run("node", ["dynamic.cjs"], { cwd: consumer });
    expect(imported.code, shown(imported)).toBe(0);
    expect(imported.stdout.trim()).toBe("function");
  }, SLOW);

  it("the shipped declarations type-check with skipLibCheck off, strict, nodenext, and reject misuse", async () => {
    expect(install.code, shown(install)).toBe(0);
    // One tsc run over both files (it is slow over LangChain's declarations): every error must be
    // the misuse's, none in the consumer's code or in any declaration file we ship.
    writeFileSync(join(consumer, "consumer.ts"), CONSUMER_TS);
    writeFileSync(join(consumer, "misuse.ts"), MISUSE_TS);
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({ ...TSCONFIG, files: ["consumer.ts", "misuse.ts"] }, null, 2));
    const tsc = await run("node", [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: consumer });
    const errors = tsc.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
    expect(tsc.code, shown(tsc)).not.toBe(0);
    expect(errors, shown(tsc)).toHaveLength(2);
    expect(errors[0]).toMatch(/^misuse\.ts\(3,.*"loud"/);
    expect(errors[1]).toMatch(/^misuse\.ts\(4,/);
  }, SLOW);
});
