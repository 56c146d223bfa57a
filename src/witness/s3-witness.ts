/**
 * A witness in S3 (`integrity: { witness: "s3://bucket/prefix" }`): every signed checkpoint becomes
 * its own object, `{prefix}/<chain>/<seq, 12 digits>-<sig hash>.json`, written with
 * `If-None-Match: *` so nothing there is ever overwritten, and with Object Lock retention when
 * `witnessObjectLock` is set (the bucket must have Object Lock enabled): then not even the trail's
 * writers can delete or change what was witnessed until the retention ends. Credentials and
 * endpoint come from the SDK's usual chain (AWS_REGION, AWS_ENDPOINT_URL_S3, profiles, roles).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Checkpoint } from "../integrity/checkpoints.js";
import { asS3Client, defaultS3Client, loadS3 } from "../shared/s3-client.js";
import type { S3ClientLike } from "../shared/s3-client-like.js";
import { parseS3Url } from "../store/s3-archive.js";
import type { WitnessTarget } from "./queue.js";

export interface ObjectLock {
  mode: "COMPLIANCE" | "GOVERNANCE";
  days: number;
}

export function s3WitnessKey(prefix: string, cp: Checkpoint): string {
  const id = createHash("sha256").update(cp.sig).digest("hex").slice(0, 16);
  return `${prefix ? `${prefix}/` : ""}${cp.chain_id}/${String(cp.seq).padStart(12, "0")}-${id}.json`;
}

export function s3Witness(url: string, options: { objectLock?: ObjectLock; client?: S3ClientLike } = {}): WitnessTarget {
  const { bucket, prefix } = parseS3Url(url);
  let client: Promise<{ client: S3Client; mod: typeof import("@aws-sdk/client-s3") }> | undefined;
  const connect = () =>
    // One attempt per submission: the queue retries, with its own backoff, and reports.
    (client ??= loadS3().then((mod) => ({ mod, client: options.client ? asS3Client(options.client) : defaultS3Client(mod, { maxAttempts: 1 }) })));
  return {
    label: `s3://${bucket}${prefix ? `/${prefix}` : ""}`,
    keepsAll: true,
    async submit(cp, signal) {
      const { mod, client } = await connect();
      const lock = options.objectLock ? { ObjectLockMode: options.objectLock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + options.objectLock.days * 86_400_000) } : {};
      try {
        await client.send(new mod.PutObjectCommand({ Bucket: bucket, Key: s3WitnessKey(prefix, cp), Body: JSON.stringify(cp) + "\n", ContentType: "application/json", IfNoneMatch: "*", ...lock }), { abortSignal: signal });
      } catch (err) {
        // Already there (a retry after a lost answer): the witness holds it, which is all we want.
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 412) return;
        throw err;
      }
    },
  };
}

/** Every checkpoint an S3 witness holds, by chain (for `verify --witness s3://…`). */
export async function readS3Witness(url: string, options: { client?: S3ClientLike } = {}): Promise<Map<string, Array<Checkpoint | { bad: string; line: number }>>> {
  const { bucket, prefix } = parseS3Url(url);
  const mod = await loadS3();
  const client = options.client ? asS3Client(options.client) : defaultS3Client(mod);
  const out = new Map<string, Array<Checkpoint | { bad: string; line: number }>>();
  let token: string | undefined;
  let n = 0;
  do {
    const page = await client.send(new mod.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) {
      const m = /([0-9a-f-]{36})\/\d{12}-[0-9a-f]{16}\.json$/.exec(obj.Key ?? "");
      if (!m) continue;
      const got = await client.send(new mod.GetObjectCommand({ Bucket: bucket, Key: obj.Key! }));
      const text = await got.Body!.transformToString();
      let cp: Checkpoint | { bad: string; line: number };
      try {
        cp = JSON.parse(text) as Checkpoint;
      } catch {
        cp = { bad: `${obj.Key} is not valid JSON`, line: ++n };
      }
      out.set(m[1]!, [...(out.get(m[1]!) ?? []), cp]);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Downloads an S3 witness into a temporary directory in the layout of a directory witness. */
export async function downloadS3Witness(url: string, options: { client?: S3ClientLike } = {}): Promise<{ dir: string; cleanup(): void }> {
  const held = await readS3Witness(url, options);
  const dir = mkdtempSync(join(tmpdir(), "agent-audit-witness-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const [chain, cps] of held) writeFileSync(join(dir, `${chain}.jsonl`), cps.map((c) => ("bad" in c ? "{not json" : JSON.stringify(c))).join("\n") + "\n", { mode: 0o600 });
  } catch (err) {
    cleanup(); // a full disk: the caller never gets the directory to clean up
    throw err;
  }
  return { dir, cleanup };
}
