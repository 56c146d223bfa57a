// The S3 witness against a real S3-protocol server (s3rver on loopback): a trail written by a
// child process copies each signed checkpoint to its own immutable object; verify holds the trail
// to them; an attacker who cuts the tail is caught; a witness that is down never stops the trail,
// is reported, and gets its checkpoints once it is back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import S3rver from "s3rver";
import { S3Client, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";
import { createAuditTrail, jsonlSink } from "../../src/index.js";

const BUCKET = "audit-witness";
let server: S3rver;
let endpoint: string;
let client: S3Client;
const env = () => ({ AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1", AGENT_AUDIT_S3_FORCE_PATH_STYLE: "1" });

beforeAll(async () => {
  server = new S3rver({ port: 0, address: "127.0.0.1", directory: tempDir(), silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
});
afterAll(async () => {
  await server?.close();
});

const keysUnder = async (prefix: string) => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

async function verify(dir: string, witness: string) {
  const r = await cli(["verify", "--dir", dir, "--witness", witness, "--json"], env());
  // The report, without the AWS SDK's own warnings on stderr after it.
  const report = JSON.parse(r.out.slice(0, r.out.indexOf("\n}") + 2)) as { problems: Array<{ kind: string }> };
  return { code: r.code, kinds: [...new Set(report.problems.map((p) => p.kind))] };
}

describe("an S3 witness", () => {
  it("holds one object per signed checkpoint; verify --witness s3:// passes, and catches the tail cut with its checkpoints", async () => {
    const dir = tempDir();
    const witness = `s3://${BUCKET}/run-1`;
    const exit = await runChild({ dir, count: 25, then: "shutdown", timeoutMs: 10_000, printIds: false, integrity: { checkpointEvery: 10, witness } }, { env: env() }).exit;
    expect(exit.code, exit.stderr).toBe(0);
    const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
    const keys = await keysUnder(`run-1/${chain}/`);
    expect(keys.map((k) => k.split("/")[2]!.slice(0, 12))).toEqual(["000000000001", "000000000011", "000000000021", "000000000025"]);
    expect(await verify(dir, witness)).toEqual({ code: 0, kinds: [] });

    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
    writeFileSync(seg, lines(seg).slice(0, 15).join("\n") + "\n");
    const digest = join(dir, ".digests", `${chain}.jsonl`);
    writeFileSync(digest, lines(digest).filter((l) => JSON.parse(l).seq <= 11).join("\n") + "\n");
    expect(await verify(dir, witness)).toEqual({ code: 1, kinds: ["truncated"] });
  });

  it("down: the trail records and shuts down on time, and says which checkpoints the witness lacks", async () => {
    const dir = tempDir();
    const down = { ...env(), AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9", AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
    const child = runChild({ dir, count: 30, then: "shutdown", timeoutMs: 2_000, printIds: false, integrity: { checkpointEvery: 10, witness: `s3://${BUCKET}/down` } }, { env: down });
    const exit = await child.exit;
    expect(exit.code, exit.stderr).toBe(0);
    const done = child.step("shut-down") as { stats: { recorded: number; witnesses: Record<string, { pending: number; failed_attempts: number }> }; errors: string[]; elapsed: number };
    expect(done.stats.recorded).toBe(30);
    expect(done.elapsed).toBeLessThan(4_000);
    expect(done.stats.witnesses[`s3://${BUCKET}/down`]).toMatchObject({ pending: 4 });
    expect(done.stats.witnesses[`s3://${BUCKET}/down`]!.failed_attempts).toBeGreaterThan(0);
    expect(done.errors.some((e) => e.startsWith(`witness s3://${BUCKET}/down:`))).toBe(true);
    expect(done.errors.some((e) => /4 checkpoint\(s\) were not witnessed before shutdown/.test(e))).toBe(true);
    // The trail itself is whole.
    expect((await cli(["verify", "--dir", dir])).code).toBe(0);
  });

  it("back up: queued checkpoints are delivered by the retry, and flush waits for them", async () => {
    const saved = { ...process.env };
    const { port } = new URL(endpoint);
    await server.close();
    Object.assign(process.env, env());
    try {
      const dir = tempDir();
      const errors: string[] = [];
      const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], integrity: { checkpointEvery: 5, witness: `s3://${BUCKET}/later` }, onError: (e) => errors.push(e.message) });
      for (let i = 0; i < 12; i++) trail.record({ type: "custom", name: "tick", data: { i } });
      await new Promise((r) => setTimeout(r, 300));
      expect(trail.stats().witnesses![`s3://${BUCKET}/later`]!.pending).toBeGreaterThan(0);
      server = new S3rver({ port: Number(port), address: "127.0.0.1", directory: tempDir(), silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
      await server.run();
      const flushed = await trail.flush({ timeoutMs: 20_000 });
      expect(flushed.complete).toBe(true);
      expect(trail.stats().witnesses![`s3://${BUCKET}/later`]).toMatchObject({ pending: 0, witnessed: 3 });
      await trail.shutdown();
      expect((await keysUnder(`later/${trail.chainId}/`)).length).toBe(4); // 1, 6, 11 and the final 12
      expect(errors.some((e) => e.includes("witness"))).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});

describe("S3 witness objects", () => {
  it("ask for Object Lock retention when configured, never overwrite, and take a 412 as already witnessed", async () => {
    const { s3Witness } = await import("../../src/witness/s3-witness.js");
    const sent: Array<Record<string, unknown>> = [];
    let answer: "ok" | "exists" = "ok";
    const fake = {
      send: async (cmd: { input: Record<string, unknown> }) => {
        sent.push(cmd.input);
        if (answer === "exists") throw Object.assign(new Error("PreconditionFailed"), { $metadata: { httpStatusCode: 412 } });
        return {};
      },
    };
    const target = s3Witness("s3://locked/w", { client: fake as never, objectLock: { mode: "COMPLIANCE", days: 400 } });
    const cp = { type: "checkpoint", chain_id: "01900000-0000-7000-8000-0000000000aa", seq: 7, hash: "a".repeat(64), ts: "2026-12-03T00:00:00.000Z", key_id: "k", sig: "c2ln" } as const;
    await target.submit(cp as never, new AbortController().signal);
    expect(sent[0]).toMatchObject({ Bucket: "locked", ObjectLockMode: "COMPLIANCE", IfNoneMatch: "*", Key: expect.stringMatching(/^w\/01900000-0000-7000-8000-0000000000aa\/000000000007-[0-9a-f]{16}\.json$/) });
    expect((sent[0]!.ObjectLockRetainUntilDate as Date).getTime()).toBeGreaterThan(Date.now() + 399 * 86_400_000);
    answer = "exists";
    await expect(target.submit(cp as never, new AbortController().signal)).resolves.toBeUndefined();
  });
});
