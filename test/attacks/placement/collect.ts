/**
 * Reading back everything the placement run left behind, as documents to search: the trail
 * directories (file by file), an S3 bucket, PostgreSQL tables, and the built CLI's output.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { ListObjectsV2Command, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type pg from "pg";
import type { Doc } from "./leaks.js";

/** Every file under `dir`, keyed by its path relative to `dir`. */
export function filesUnder(dir: string, label: string): Doc[] {
  const docs: Doc[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else docs.push({ where: `${label}/${relative(dir, path)}`, text: readFileSync(path).toString("utf8") });
    }
  };
  walk(dir);
  return docs;
}

export async function s3Objects(client: S3Client, bucket: string, prefix: string): Promise<Doc[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const docs: Doc[] = [];
  for (const { Key } of listed.Contents ?? []) {
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key! }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    docs.push({ where: `s3://${bucket}/${Key}`, text: (Key!.endsWith(".gz") ? gunzipSync(bytes) : bytes).toString("utf8") });
  }
  return docs;
}

/** Each row of the events table and its side tables, as JSON text. */
export async function postgresRows(pool: pg.Pool, table: string): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const t of [table, `${table}_erasures`, `${table}_maintenance`]) {
    // A table the sink never created is reported as such: the location then holds no data.
    const rows = await pool.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`).then(
      (r) => r.rows as Array<{ j: string }>,
      (err: Error) => [{ j: `(cannot read ${t}: ${err.message})` }],
    );
    docs.push({ where: t, text: rows.map((r) => r.j).join("\n") });
  }
  return docs;
}

const CLI = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Node script to its end; output may be large (a whole trail as JSON lines). */
export function runNode(args: string[], timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export const agentAudit = (args: string[]) => runNode([CLI, ...args]);

/** `agent-audit serve` for as long as it takes to GET `paths`; returns what the pages answered. */
export async function viewPages(dir: string, paths: string[]): Promise<string[]> {
  const proc = spawn(process.execPath, [CLI, "serve", "--dir", dir, "--port", "0", "--actor", "reviewer"], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      proc.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /viewer on (http:\/\/\S+?)\/?(?:\s|$)/.exec(out);
        if (m) resolve(m[1]!);
      });
      proc.on("exit", (code) => reject(new Error(`agent-audit serve exited (${code}) before listening: ${out}`)));
    });
    const answers: string[] = [];
    for (const p of paths) answers.push(`${p} → ${(await fetch(`${base}${p}`)).status}`);
    return answers;
  } finally {
    proc.kill("SIGTERM");
  }
}
