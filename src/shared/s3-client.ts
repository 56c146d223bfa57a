/** `@aws-sdk/client-s3` is an optional peer dependency: loaded on first use, with a clear error. */
export async function loadS3(): Promise<typeof import("@aws-sdk/client-s3")> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch {
    throw new Error("the S3 archive needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3");
  }
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
