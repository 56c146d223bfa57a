/**
 * `s3Sink()`: an archive of the trail in S3 (or MinIO, Ceph, R2, GCS interoperability) as
 * immutable JSONL objects partitioned by hour —
 * `{prefix}/YYYY/MM/DD/HH/<chain>-<firstSeq>-<lastSeq>.jsonl.gz` — one object per batch, never
 * appended or overwritten: keys are deterministic, and a conditional PUT (`If-None-Match: *`) makes
 * a redelivered batch a no-op. Athena, DuckDB or Spark read these partitions directly. Optional
 * Object Lock retention makes them write-once. The signed checkpoints of the local trail are
 * uploaded beside the data (`{prefix}/_digests/`), so `agent-audit verify --store s3://…` can
 * verify the archive.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import * as z from "zod";
import type { S3Client as S3ClientType } from "@aws-sdk/client-s3";
import type { AuditEvent } from "../events/schema.js";
import { deliveryOptionsSchema } from "./delivery-options.js";
import { parseOptions } from "../shared/config.js";
import { digestFile, publicKeyFile } from "../integrity/checkpoints.js";
import { statusResult, transportCode } from "./shared/http.js";
import { OK, type DeliveryOptions, type SendResult, type Sink } from "./types.js";
import { asS3Client, loadS3 } from "../shared/s3-client.js";
import type { S3ClientLike } from "../shared/s3-client-like.js";

const optionsSchema = z
  .object({
    bucket: z.string().min(3),
    prefix: z.string().optional(),
    region: z.string().optional(),
    endpoint: z.string().url().optional(),
    forcePathStyle: z.boolean().optional(),
    // Static keys, or any credential provider the SDK accepts (default: the SDK's own chain).
    credentials: z
      .union([z.looseObject({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() }), z.custom<() => Promise<unknown>>((v) => typeof v === "function")])
      .optional(),
    gzip: z.boolean().optional(),
    objectLock: z.object({ mode: z.enum(["COMPLIANCE", "GOVERNANCE"]), days: z.number().int().positive() }).strict().optional(),
    client: z.custom<S3ClientLike>((v) => typeof v === "object" && v !== null && typeof (v as { send?: unknown }).send === "function", { message: "expected an S3Client" }).optional(),
    name: z.string().min(1).optional(),
    delivery: deliveryOptionsSchema.optional(),
  })
  .strict();
export type S3SinkOptions = z.input<typeof optionsSchema>;

/** `{prefix}/YYYY/MM/DD/HH/<chain>-<firstSeq>-<lastSeq>.jsonl(.gz)` for a group of one chain and hour. */
export function objectKey(prefix: string, events: readonly AuditEvent[], gzip: boolean): string {
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const ts = first.ts;
  const path = `${ts.slice(0, 4)}/${ts.slice(5, 7)}/${ts.slice(8, 10)}/${ts.slice(11, 13)}`;
  return `${prefix ? `${prefix.replace(/\/+$/, "")}/` : ""}${path}/${first.chain_id}-${String(first.seq).padStart(12, "0")}-${String(last.seq).padStart(12, "0")}.jsonl${gzip ? ".gz" : ""}`;
}

/** A batch cut into groups of one chain and one hour, in order. */
export function partition(batch: readonly AuditEvent[]): AuditEvent[][] {
  const groups: AuditEvent[][] = [];
  for (const e of batch) {
    const g = groups[groups.length - 1];
    const head = g?.[0];
    if (g && head && head.chain_id === e.chain_id && head.ts.slice(0, 13) === e.ts.slice(0, 13)) g.push(e);
    else groups.push([e]);
  }
  return groups;
}

export function s3Sink(options: S3SinkOptions): Sink & { readonly bucket: string; readonly prefix: string } {
  const opts = parseOptions("s3Sink", optionsSchema, options);
  const prefix = (opts.prefix ?? "agent-audit").replace(/^\/+|\/+$/g, "");
  const gzip = opts.gzip ?? true;
  let client: S3ClientType | undefined = opts.client && asS3Client(opts.client);
  let attached: { trailDir: string | undefined; chainId: string } | undefined;
  const uploadedDigest = new Map<string, number>();

  const s3 = async () => {
    const mod = await loadS3();
    client ??= new mod.S3Client({
      region: opts.region ?? process.env.AWS_REGION ?? "us-east-1",
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials: opts.credentials as never,
      // S3-compatible servers (MinIO, Ceph, R2...) do not all accept the SDK's newer default checksums.
      ...(opts.endpoint ? { requestChecksumCalculation: "WHEN_REQUIRED" as const, responseChecksumValidation: "WHEN_REQUIRED" as const } : {}),
    });
    return { mod, client };
  };

  const verdict = (err: unknown): SendResult => {
    const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
    const status = e.$metadata?.httpStatusCode;
    if (status === 412) return OK; // If-None-Match: the object is already there (a redelivery)
    if (status) return statusResult(status, e.name ?? "", undefined, `s3://${opts.bucket}`);
    return { ok: false, retryable: true, error: `cannot reach s3://${opts.bucket}: ${transportCode(err)}` };
  };

  /** Uploads the chain's digest file and the public key when they changed since the last upload. */
  const shipDigests = async () => {
    if (!attached?.trailDir) return;
    const { mod, client: c } = await s3();
    for (const [file, key] of [
      [digestFile(attached.trailDir, attached.chainId), `${prefix}/_digests/${attached.chainId}.jsonl`],
      [publicKeyFile(attached.trailDir), `${prefix}/_digests/public-key.pem`],
    ] as const) {
      if (!existsSync(file)) continue;
      const size = statSync(file).size;
      if (uploadedDigest.get(key) === size) continue;
      await c.send(new mod.PutObjectCommand({ Bucket: opts.bucket, Key: key, Body: readFileSync(file), ContentType: "text/plain" }));
      uploadedDigest.set(key, size);
    }
  };

  return {
    name: opts.name ?? "s3",
    kind: "remote",
    bucket: opts.bucket,
    endpoint: opts.endpoint,
    prefix,
    defaultDelivery: { batchSize: 1000, lingerMs: 5_000 },
    delivery: opts.delivery as Partial<DeliveryOptions> | undefined,
    attach(info) {
      attached = info;
    },
    async send(batch: readonly AuditEvent[], context): Promise<SendResult> {
      try {
        const { mod, client: c } = await s3();
        for (const group of partition(batch)) {
          const text = group.map((e) => JSON.stringify(e)).join("\n") + "\n";
          const lock = opts.objectLock
            ? { ObjectLockMode: opts.objectLock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + opts.objectLock.days * 86_400_000) }
            : {};
          await c.send(
            new mod.PutObjectCommand({
              Bucket: opts.bucket,
              Key: objectKey(prefix, group, gzip),
              Body: gzip ? gzipSync(text) : text,
              ContentType: "application/x-ndjson",
              ...(gzip ? { ContentEncoding: "gzip" } : {}),
              IfNoneMatch: "*",
              ...lock,
            }),
            { abortSignal: context?.signal },
          );
        }
        await shipDigests();
        return OK;
      } catch (err) {
        return verdict(err);
      }
    },
    async flush() {
      await shipDigests().catch(() => undefined);
    },
    async close() {
      await shipDigests().catch(() => undefined);
    },
  };
}
