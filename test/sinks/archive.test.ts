// The S3 archive against a real S3-protocol server (s3rver on loopback), and the Elasticsearch sink
// against the real _bulk protocol (nock): keys, content, idempotent redelivery, verify and query of
// an archive, per-item errors, backpressure, and nothing unredacted anywhere.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import nock from "nock";
import { gunzipSync } from "node:zlib";
import { generateKeyPairSync } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import S3rver from "s3rver";
import { S3Client, ListObjectsV2Command, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { Client as EsClient } from "@elastic/elasticsearch";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { s3Sink } from "../../src/sinks/s3.js";
import { elasticsearchSink } from "../../src/sinks/elasticsearch.js";
import { main } from "../../src/cli/main.js";
import type { AuditEvent } from "../../src/events/schema.js";
import { tempDir } from "../helpers.js";
import { cli as installedCli } from "../faults/harness.js";

const BUCKET = "audit-archive";
const creds = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const keys = generateKeyPairSync("ed25519");
let server: S3rver;
let endpoint: string;
let client: S3Client;

beforeAll(async () => {
  server = new S3rver({ port: 0, address: "127.0.0.1", directory: tempDir(), silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: { ...creds }, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
});
afterAll(async () => {
  await server?.close();
});

async function listKeys(prefix: string) {
  const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}
async function readObject(key: string) {
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}
async function cli(args: string[]) {
  const out: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => out.push(s) });
  return { code, out: out.join("\n") };
}

describe("s3Sink", () => {
  it("writes immutable gzip JSONL objects per chain and hour, uploads the digests, and an archive verifies and queries back", async () => {
    const dir = tempDir();
    const prefix = `t${Date.now()}`;
    const sink = s3Sink({ bucket: BUCKET, prefix, endpoint, forcePathStyle: true, credentials: { ...creds }, delivery: { lingerMs: 0, batchSize: 50 } });
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), sink], integrity: { signingKey: keys.privateKey, checkpointEvery: 10 } });
    const t0 = Date.parse("2026-11-20T09:58:00.000Z");
    for (let i = 0; i < 30; i++) {
      trail.emit({ level: "info", type: "custom", session_id: "s-1", user_id: "u-1", data: { i, contact: "jane.doe@example.com" }, time: t0 + i * 10_000 });
    }
    const result = await trail.shutdown({ timeoutMs: 20_000 });
    expect(result.complete).toBe(true);

    const all = await listKeys(`${prefix}/`);
    const data = all.filter((k) => !k.includes("/_digests/"));
    expect(data.length).toBeGreaterThanOrEqual(2); // the 09:xx and 10:xx partitions
    for (const k of data) expect(k).toMatch(new RegExp(`^${prefix}/2026/11/20/(09|10)/${trail.chainId}-\\d{12}-\\d{12}\\.jsonl\\.gz$`));
    expect(all).toContain(`${prefix}/_digests/${trail.chainId}.jsonl`);
    expect(all).toContain(`${prefix}/_digests/public-key.pem`);

    const events = (await Promise.all(data.map(async (k) => gunzipSync(await readObject(k)).toString("utf8").trim().split("\n").map((l) => JSON.parse(l) as AuditEvent)))).flat();
    expect(events.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const bytes = (await Promise.all(data.map(async (k) => gunzipSync(await readObject(k)).toString()))).join("");
    expect(bytes).not.toContain("jane.doe@example.com");

    // Redelivery of a batch: same keys, nothing new.
    const again = s3Sink({ bucket: BUCKET, prefix, endpoint, forcePathStyle: true, credentials: { ...creds } });
    expect(await again.send(events.filter((e) => e.seq <= 5).sort((a, b) => a.seq - b.seq))).toEqual({ ok: true });
    expect((await listKeys(`${prefix}/`)).filter((k) => !k.includes("/_digests/"))).toHaveLength(data.length + (data.some((k) => k.endsWith("000000000005.jsonl.gz")) ? 0 : 1));

    // verify and query read the archive back.
    const env = { AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AGENT_AUDIT_S3_FORCE_PATH_STYLE: "1" };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const pub = join(tempDir(), "pub.pem");
      writeFileSync(pub, keys.publicKey.export({ type: "spki", format: "pem" }) as string);
      const verified = await cli(["verify", "--store", `s3://${BUCKET}/${prefix}`, "--public-key", pub]);
      expect(verified.out).toMatch(/✓ s3:\/\/.*: 30 events intact/);
      expect(verified.code).toBe(0);
      const query = await cli(["query", "--store", `s3://${BUCKET}/${prefix}`, "--session", "s-1", "--json"]);
      expect(query.code).toBe(0);
      expect(query.out.split("\n").map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      process.env = saved;
    }
  });

  it("an archive download that fails part-way leaves no temporary directory behind (the installed CLI)", async () => {
    const prefix = `broken${Date.now()}`;
    // The digest is written into the download directory before the object that is not JSON is read.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/_digests/public-key.pem`, Body: keys.publicKey.export({ type: "spki", format: "pem" }) as string }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/zz-not-json.jsonl`, Body: "not json\n" }));
    const env = { AWS_ENDPOINT_URL: endpoint, AWS_ENDPOINT_URL_S3: endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AGENT_AUDIT_S3_FORCE_PATH_STYLE: "1" };
    const cases: Array<[string[], RegExp]> = [
      [["verify", "--store", `s3://${BUCKET}/${prefix}`], /JSON/],
      [["query", "--store", `s3://${BUCKET}/${prefix}`], /JSON/],
      [["stats", "--store", "s3://no-such-bucket/x"], /bucket/i],
    ];
    for (const [args, why] of cases) {
      const tmp = tempDir("cli-tmpdir-");
      const r = await installedCli(args, { ...env, TMPDIR: tmp });
      expect(r.out, args.join(" ")).toMatch(why);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(readdirSync(tmp), args.join(" ")).toEqual([]);
    }
  });

  it("asks for Object Lock retention when configured, and maps S3 errors", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const fake = { send: async (cmd: { input: Record<string, unknown> }) => (sent.push(cmd.input), {}) };
    const sink = s3Sink({ bucket: BUCKET, client: fake as never, objectLock: { mode: "COMPLIANCE", days: 365 } });
    const e = { schema_version: "1", id: "01900000-0000-7000-8000-000000000001", ts: "2026-11-20T10:00:00.000Z", seq: 1, level: "info", type: "custom", data: {}, chain_id: "01900000-0000-7000-8000-0000000000aa" } as AuditEvent;
    expect(await sink.send([e])).toEqual({ ok: true });
    expect(sent[0]).toMatchObject({ ObjectLockMode: "COMPLIANCE", IfNoneMatch: "*", ContentEncoding: "gzip" });
    expect((sent[0]!.ObjectLockRetainUntilDate as Date).getTime()).toBeGreaterThan(Date.now() + 364 * 86_400_000);

    const denied = s3Sink({ bucket: "no-such-bucket", endpoint, forcePathStyle: true, credentials: { ...creds } });
    expect(await denied.send([e])).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining("HTTP 404") });
  });
});

describe("elasticsearchSink (nock, _bulk protocol)", () => {
  const NODE = "https://es.test:9200";
  // The Elasticsearch client refuses servers that do not say they are Elasticsearch.
  const PRODUCT = { "x-elastic-product": "Elasticsearch", "content-type": "application/json" };
  afterAll(() => nock.cleanAll());

  function events(n: number): AuditEvent[] {
    return Array.from({ length: n }, (_, i) => ({ schema_version: "1", id: `01900000-0000-7000-8000-${String(i + 1).padStart(12, "0")}`, ts: "2026-11-20T10:00:00.000Z", seq: i + 1, level: "info", type: "tool_end", name: "search", data: { tool: "search" }, duration_ms: 12.5, chain_id: "01900000-0000-7000-8000-0000000000aa" }) as AuditEvent);
  }

  it("indexes with the event id as _id into a daily index, installs the template, and maps per-item results", async () => {
    let template: Record<string, any> | undefined;
    const bulks: string[] = [];
    nock(NODE).put("/_index_template/agent-audit-template").reply((_u, body) => ((template = (typeof body === "string" ? JSON.parse(body) : body) as never), [200, { acknowledged: true }, PRODUCT]));
    nock(NODE)
      .post("/_bulk")
      .reply((_u, body) => {
        const text = typeof body === "string" ? body : JSON.stringify(body);
        bulks.push(text);
        return [200, { errors: true, items: [{ index: { status: 201 } }, { index: { status: 400, error: { type: "mapper_parsing_exception", reason: "bad field" } } }, { index: { status: 429, error: { type: "es_rejected_execution_exception", reason: "queue full" } } }] }, PRODUCT];
      });
    const sink = elasticsearchSink({ node: NODE });
    const result = await sink.send(events(3));
    expect(template!.index_patterns).toEqual(["agent-audit-*"]);
    expect(template!.template.mappings.properties).toMatchObject({ id: { type: "keyword" }, ts: { type: "date" }, duration_ms: { type: "float" } });
    expect(template!.template.mappings.properties.data.dynamic).toBe(false);
    const lines = bulks[0]!.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ index: { _index: "agent-audit-2026.11.20", _id: "01900000-0000-7000-8000-000000000001" } });
    expect(lines[1]).toMatchObject({ id: "01900000-0000-7000-8000-000000000001", type: "tool_end" });
    expect(result).toMatchObject({ ok: false, retryable: true, items: [{ ok: true }, { ok: false, retryable: false, error: expect.stringContaining("mapper_parsing_exception") }, { ok: false, retryable: true }] });
  });

  it("through the trail: backpressure (429) is retried, mapping errors are dead-lettered, the rest delivered once", async () => {
    nock(NODE).put("/_index_template/agent-audit-template").reply(200, { acknowledged: true }, PRODUCT);
    nock(NODE).post("/_bulk").reply(429, { error: "too many requests" }, PRODUCT);
    const seen: string[] = [];
    nock(NODE)
      .persist()
      .post("/_bulk")
      .reply((_u, body) => {
        const lines = String(typeof body === "string" ? body : JSON.stringify(body)).trim().split("\n").map((l) => JSON.parse(l));
        const docs = lines.filter((_, i) => i % 2 === 1);
        seen.push(...docs.map((d) => d.id));
        return [200, { errors: docs.some((d) => d.data?.bad), items: docs.map((d) => ({ index: d.data?.bad ? { status: 400, error: { type: "mapper_parsing_exception", reason: "x" } } : { status: 201 } })) }, PRODUCT];
      });
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir }), elasticsearchSink({ node: NODE, delivery: { lingerMs: 0 } })], delivery: { initialBackoffMs: 5, maxBackoffMs: 20 }, onError: () => {} });
    for (let i = 0; i < 6; i++) trail.record({ type: "custom", data: { i, bad: i === 3, email: "jane@example.com" } });
    await trail.flush({ timeoutMs: 5_000 });
    expect(trail.stats().sinks.elasticsearch).toMatchObject({ delivered: 5, failed: 1, pending: 0 });
    expect(trail.stats().sinks.elasticsearch!.retries).toBeGreaterThanOrEqual(1);
    expect(new Set(seen).size).toBe(6);
    await trail.shutdown({ timeoutMs: 100 });
  });

  it("accepts a client instance (Elasticsearch or OpenSearch) and needs a node otherwise", () => {
    expect(() => elasticsearchSink({})).toThrow(/node is missing/);
    expect(elasticsearchSink({ client: new EsClient({ node: NODE }) as never }).index).toBe("agent-audit");
  });
});
