/**
 * The access log: every read of a trail through the CLI or the store API (show, query, export,
 * tail, verify, erase, purge) appends who, what and when to `<dir>/.access/access.jsonl`, itself a
 * hash chain, so an access record cannot be removed quietly either.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { appendLineWhole } from "../format/append.js";
import { userInfo } from "node:os";
import { join } from "node:path";
import { canonicalJson } from "./canonical.js";
import { GENESIS } from "./seal.js";

export interface AccessRecord {
  ts: string;
  actor: string;
  action: string;
  target?: string;
  prev_hash: string;
  hash: string;
}

export const accessLogFile = (dir: string) => join(dir, ".access", "access.jsonl");

export function currentActor(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return "os:unknown";
  }
}

export function appendAccess(dir: string, entry: { actor?: string; action: string; target?: string }): AccessRecord {
  const file = accessLogFile(dir);
  mkdirSync(join(dir, ".access"), { recursive: true, mode: 0o700 });
  const last = existsSync(file) ? lastLine(file) : undefined;
  const prev = last ? (JSON.parse(last) as AccessRecord).hash : GENESIS;
  const body = { ts: new Date().toISOString(), actor: entry.actor ?? currentActor(), action: entry.action, ...(entry.target ? { target: entry.target } : {}), prev_hash: prev };
  const record: AccessRecord = { ...body, hash: createHash("sha256").update(canonicalJson(body)).digest("hex") };
  appendLineWhole(file, JSON.stringify(record) + "\n");
  return record;
}

/**
 * The file's last non-empty line, read from the end: the viewer appends a record per API read,
 * so reading the whole log for each one would grow with everything ever read.
 */
function lastLine(file: string): string | undefined {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString("utf8").trimEnd();
      const nl = text.lastIndexOf("\n");
      // A whole line is known once a newline precedes it, or the read began at the file's start.
      if (nl >= 0 || start === 0) return text.slice(nl + 1) || undefined;
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** Checks the access log's own chain; returns the line of the first break, or undefined. */
export function verifyAccessLog(dir: string): { records: number; brokenAt?: number } {
  const file = accessLogFile(dir);
  if (!existsSync(file)) return { records: 0 };
  let prev = GENESIS;
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  for (let i = 0; i < lines.length; i++) {
    const { hash, ...body } = JSON.parse(lines[i]!) as AccessRecord;
    if (body.prev_hash !== prev || createHash("sha256").update(canonicalJson(body)).digest("hex") !== hash) return { records: lines.length, brokenAt: i + 1 };
    prev = hash;
  }
  return { records: lines.length };
}
