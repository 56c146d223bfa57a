/**
 * The public API names its own structural types for a pg pool and an S3 client (so consumers
 * compile our declarations without @types/pg or the optional S3 peer). The real clients must still
 * fit them: the assignments below are checked by `npm run typecheck` (tsconfig.check.json covers
 * test/), and the options schemas must accept them at run time and refuse what is not one.
 */
import { S3Client } from "@aws-sdk/client-s3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { AuditConfigError, postgresSink, s3Sink, type PgPoolClientLike, type PgPoolLike, type S3ClientLike } from "../../src/index.js";

// Compile-time: a pg pool's checked-out client fits where migrate() takes one.
type Fits<T, U> = T extends U ? true : false;
const poolClientFits: Fits<pg.PoolClient, PgPoolClientLike> = true;
const clientFits: Fits<pg.Client, PgPoolClientLike> = false; // a bare Client has no release(): not a pool's client

describe("the structural pg and S3 types", () => {
  it("a pg.Pool is a PgPoolLike the PostgreSQL sink accepts; anything without query() is refused", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://nobody@127.0.0.1:1/none", max: 1 }); // never connects
    try {
      const like: PgPoolLike = pool;
      const sink = postgresSink({ pool: like, migrate: false });
      expect(sink.table).toBeTypeOf("string");
      expect(poolClientFits && !clientFits).toBe(true);
      expect(() => postgresSink({ pool: { query: 42 } as unknown as PgPoolLike })).toThrow(AuditConfigError);
    } finally {
      await pool.end();
    }
  });

  it("an S3Client is an S3ClientLike the S3 sink accepts; anything without send() is refused", () => {
    const client = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "example" } });
    try {
      const like: S3ClientLike = client;
      expect(s3Sink({ bucket: "audit", client: like }).bucket).toBe("audit");
      expect(() => s3Sink({ bucket: "audit", client: {} as unknown as S3ClientLike })).toThrow(AuditConfigError);
    } finally {
      client.destroy();
    }
  });
});
