/** `@aws-sdk/client-s3` is an optional peer dependency: loaded on first use, with a clear error. */
export async function loadS3(): Promise<typeof import("@aws-sdk/client-s3")> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch {
    throw new Error("the S3 archive needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3");
  }
}
