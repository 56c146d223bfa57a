/**
 * Reading an S3 archive back (`--store s3://bucket/prefix`): the objects are streamed down into a
 * temporary directory in the local trail's layout — one segment per chain and day, in sequence
 * order, a redelivered batch's duplicates dropped by event id — with the digests beside them, so
 * the JSONL store and the verifier work on it unchanged.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { AuditEvent } from "../events/schema.js";
import { asS3Client, defaultS3Client, loadS3 } from "../shared/s3-client.js";
import type { S3ClientLike } from "../shared/s3-client-like.js";

export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`"${url}" is not an s3://bucket/prefix URL`);
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/+$/, "") };
}

export interface DownloadResult {
  dir: string;
  objects: number;
  events: number;
  duplicates: number;
  cleanup(): void;
}

export async function downloadArchive(url: string, options: { client?: S3ClientLike; onProgress?: (objects: number, events: number) => void } = {}): Promise<DownloadResult> {
  const { bucket, prefix } = parseS3Url(url);
  const mod = await loadS3();
  const client = options.client ? asS3Client(options.client) : defaultS3Client(mod);
  const dir = mkdtempSync(join(tmpdir(), "agent-audit-s3-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    return { dir, ...(await downloadInto(dir, { mod, client, bucket, prefix }, options.onProgress)), cleanup };
  } catch (err) {
    // The caller gets no directory to clean up when the download fails (a missing bucket, a
    // refused connection, an object that is not JSON): remove it here, or every failure leaks one.
    cleanup();
    throw err;
  }
}

type S3Module = typeof import("@aws-sdk/client-s3");

/** Streams the archive's objects into `dir`; throws on the first object it cannot read. */
async function downloadInto(
  dir: string,
  s3: { mod: S3Module; client: import("@aws-sdk/client-s3").S3Client; bucket: string; prefix: string },
  onProgress: ((objects: number, events: number) => void) | undefined,
): Promise<Omit<DownloadResult, "dir" | "cleanup">> {
  const { mod, client, bucket, prefix } = s3;
  const byChain = new Map<string, Map<string, AuditEvent>>();
  let objects = 0;
  let events = 0;
  let duplicates = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new mod.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, ContinuationToken: token }));
    for (const obj of page.Contents ?? []) {
      const key = obj.Key!;
      const got = await client.send(new mod.GetObjectCommand({ Bucket: bucket, Key: key }));
      const raw = Buffer.from(await got.Body!.transformToByteArray());
      const text = (key.endsWith(".gz") && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString("utf8");
      objects++;
      if (key.includes("/_digests/")) {
        mkdirSync(join(dir, ".digests"), { recursive: true, mode: 0o700 });
        writeFileSync(join(dir, ".digests", key.slice(key.lastIndexOf("/") + 1)), text, { mode: 0o600 });
        continue;
      }
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        const e = JSON.parse(line) as AuditEvent;
        const chain = byChain.get(e.chain_id) ?? new Map<string, AuditEvent>();
        if (chain.has(e.id)) duplicates++;
        else events++;
        chain.set(e.id, e);
        byChain.set(e.chain_id, chain);
      }
      onProgress?.(objects, events);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  for (const [chain, map] of byChain) {
    const sorted = [...map.values()].sort((a, b) => a.seq - b.seq);
    const days = new Map<string, string[]>();
    for (const e of sorted) days.set(e.ts.slice(0, 10), [...(days.get(e.ts.slice(0, 10)) ?? []), JSON.stringify(e)]);
    for (const [day, lines] of days) writeFileSync(join(dir, `${day}.${chain}.jsonl`), lines.join("\n") + "\n", { mode: 0o600 });
  }
  return { objects, events, duplicates };
}
