/**
 * Right to erasure. Every event of a user, in the trail (which is also the delivery spool) and in
 * dead-letter files, has its content fields and salt replaced by a tombstone (who erased, when,
 * why). The line is rewritten in place and padded to its old length, so delivery cursors (byte
 * offsets) stay valid and a writer appending to the file is not disturbed. The hash chain still
 * verifies: it committed to `content_hash`, which stays; without the salt it reveals nothing.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../sinks/jsonl.js";
import { deliveryDir } from "../pipeline/spool.js";
import { CONTENT_FIELDS } from "./seal.js";
import { decryptEvent } from "./encryption.js";

export interface ErasureResult {
  events: number;
  files: string[];
  /** Trace ids the erased events belonged to (to erase at destinations that support deletion). */
  traces: string[];
}

export interface EraseOptions {
  actor: string;
  reason?: string;
  /** Needed when the trail is encrypted at rest: user ids are inside the encrypted content. */
  encryptionKey?: Buffer;
  now?: Date;
}

function tombstone(e: AuditEvent, length: number, by: string, reason: string | undefined, at: string): Buffer {
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!(CONTENT_FIELDS as readonly string[]).includes(k) && k !== "salt") kept[k] = v;
  kept.data = {};
  let why = reason;
  for (;;) {
    const line = Buffer.from(JSON.stringify({ ...kept, erased: { at, by, ...(why ? { reason: why } : {}) } }));
    if (line.length <= length) return Buffer.concat([line, Buffer.alloc(length - line.length, 0x20)]);
    if (!why) throw new Error(`cannot erase seq ${e.seq}: its tombstone is longer than the line`);
    why = why.length > 8 ? why.slice(0, Math.floor(why.length / 2)) + "…" : undefined;
  }
}

/** Rewrites matching lines of one file in place; returns how many and their traces. */
function eraseInFile(file: string, match: (line: Record<string, unknown>) => AuditEvent | undefined, rewrite: (line: Record<string, unknown>, length: number) => Buffer, traces: Set<string>): number {
  const bytes = readFileSync(file);
  let count = 0;
  let start = 0;
  const fd = openSync(file, "r+");
  try {
    for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
      const lineStart = start;
      start = nl + 1;
      if (nl === lineStart) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(bytes.subarray(lineStart, nl).toString("utf8")) as Record<string, unknown>;
      } catch {
        continue;
      }
      const e = match(line);
      if (!e) continue;
      const replacement = rewrite(line, nl - lineStart);
      writeSync(fd, replacement, 0, replacement.length, lineStart);
      if (e.trace_id) traces.add(e.trace_id);
      count++;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

export function eraseUserInTrail(dir: string, userId: string, opts: EraseOptions): ErasureResult {
  const at = (opts.now ?? new Date()).toISOString();
  const traces = new Set<string>();
  const files: string[] = [];
  let events = 0;
  const plain = (e: AuditEvent) => (e.enc && opts.encryptionKey ? decryptEvent(e, opts.encryptionKey) : e);
  const isUsers = (e: AuditEvent | undefined) => (e && !e.erased && plain(e).user_id === userId ? plain(e) : undefined);
  for (const name of existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)) : []) {
    const n = eraseInFile(join(dir, name), (line) => isUsers(line as AuditEvent), (line, length) => tombstone(line as AuditEvent, length, opts.actor, opts.reason, at), traces);
    if (n) files.push(name);
    events += n;
  }
  // Dead letters hold whole events too: `{ ..., event: {...} }`.
  const deliveries = deliveryDir(dir);
  for (const sink of existsSync(deliveries) ? readdirSync(deliveries) : []) {
    const file = join(deliveries, sink, "dead-letter.jsonl");
    if (!existsSync(file)) continue;
    const n = eraseInFile(
      file,
      (line) => isUsers(line.event as AuditEvent | undefined),
      (line, length) => {
        // `{"dead_lettered_at":…,"reason":…,"event":<tombstone, padded>}`: the event is the last member.
        const { event, ...rest } = line;
        const prefix = Buffer.from(JSON.stringify({ ...rest, event: null }).slice(0, -"null}".length));
        const inner = tombstone(event as AuditEvent, length - prefix.length - 1, opts.actor, opts.reason, at);
        return Buffer.concat([prefix, inner, Buffer.from("}")]);
      },
      traces,
    );
    if (n) files.push(join(".delivery", sink, "dead-letter.jsonl"));
    events += n;
  }
  return { events, files, traces: [...traces] };
}
