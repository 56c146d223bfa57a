/**
 * An S3 client as the public API names it. `@aws-sdk/client-s3` is an optional peer: naming its
 * `S3Client` in our declarations would make every consumer without it fail to compile them
 * (skipLibCheck off). An `S3Client` fits this shape (test/package/public-types.test.ts checks
 * it); inside, the modules that send commands treat the value as the SDK's client again
 * (`asS3Client` in s3-client.ts), since they build the SDK's commands for it.
 */
export interface S3ClientLike {
  send(command: object, options?: object): Promise<unknown>;
}
