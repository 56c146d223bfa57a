import type { S3ClientLike } from "./s3-client-like.js";

/** `@aws-sdk/client-s3` is an optional peer dependency: loaded on first use, with a clear error. */
export async function loadS3(): Promise<typeof import("@aws-sdk/client-s3")> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch {
    throw new Error("the S3 archive needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3");
  }
}

/**
 * The SDK's client behind a client the caller passed as `S3ClientLike`: callers hand us an
 * `S3Client` (the public type is structural only so that consumers compile without the optional
 * peer), and we send it the SDK's own commands and read the SDK's typed answers.
 */
export function asS3Client(client: S3ClientLike): import("@aws-sdk/client-s3").S3Client {
  return client as import("@aws-sdk/client-s3").S3Client;
}

/** A client configured from the environment, as the CLI and the S3 witness use it. */
export function defaultS3Client(mod: typeof import("@aws-sdk/client-s3"), overrides: import("@aws-sdk/client-s3").S3ClientConfig = {}): import("@aws-sdk/client-s3").S3Client {
  return new mod.S3Client({
    ...overrides,
    region: process.env.AWS_REGION ?? "us-east-1",
    forcePathStyle: /^(1|true)$/i.test(process.env.AGENT_AUDIT_S3_FORCE_PATH_STYLE ?? ""),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
