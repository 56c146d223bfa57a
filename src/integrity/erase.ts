/**
 * Right to erasure. Every event of a user, in the trail (which is also the delivery spool) and in
 * dead-letter files, has its content fields and salt replaced by a tombstone (who erased, when,
 * why). The line is rewritten in place and padded to its old length, so delivery cursors (byte
 * offsets) stay valid and a writer appending to the file is not disturbed. The hash chain still
 * verifies: it committed to `content_hash`, which stays; without the salt it reveals nothing.
 *
 * First, for every affected chain, a signed erasure record listing exactly the events about to be
 * tombstoned is appended beside its checkpoints (erasure-records.ts): `verify` accepts a tombstone
 * only under such a record. A crash between the two leaves a record whose events are not erased yet;
 * running the erasure again finishes it.
 */
import { closeSync, existsSync, openSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../format/trail-format.js";
import { deliveryDir } from "../format/trail-format.js";
import { dropIndexParts } from "../format/index-files.js";
import { CONTENT_FIELDS } from "./seal.js";
import { decryptEvent } from "./encryption.js";
import type { KeyObject } from "node:crypto";
import { appendErasure, signErasure } from "./erasure-records.js";

export interface ErasureResult {
  events: number;
  files: string[];
  /** Trace ids the erased events belonged to (to erase at destinations that support deletion). */
  traces: string[];
}

export interface EraseOptions {
  actor: string;
  /** Stored as given in the signed record (redact it first: the trail does), shortened in tombstones. */
  reason?: string;
  /** The trail's signing key: signs the erasure records that make the tombstones legitimate. */
  signingKey?: KeyObject;
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

/** The user's events in the trail's segments, per chain: what the signed records must name. */
function findUsersEvents(dir: string, segments: string[], isUsers: (e: AuditEvent | undefined) => AuditEvent | undefined): Map<string, Array<{ seq: number; content_hash: string }>> {
  const byChain = new Map<string, Array<{ seq: number; content_hash: string }>>();
  for (const name of segments) {
    for (const text of readFileSync(join(dir, name), "utf8").split("\n")) {
      if (!text.trim()) continue;
      let line: AuditEvent;
      try {
        line = JSON.parse(text) as AuditEvent;
      } catch {
        continue;
      }
      if (!isUsers(line) || !line.content_hash) continue;
      const list = byChain.get(line.chain_id) ?? [];
      list.push({ seq: line.seq, content_hash: line.content_hash });
      byChain.set(line.chain_id, list);
    }
  }
  return byChain;
}

export function eraseUserInTrail(dir: string, userId: string, opts: EraseOptions): ErasureResult {
  const at = (opts.now ?? new Date()).toISOString();
  const traces = new Set<string>();
  const files: string[] = [];
  let events = 0;
  const plain = (e: AuditEvent) => (e.enc && opts.encryptionKey ? decryptEvent(e, opts.encryptionKey) : e);
  const isUsers = (e: AuditEvent | undefined) => (e && !e.erased && plain(e).user_id === userId ? plain(e) : undefined);
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)) : [];
  if (opts.signingKey) {
    // The signed records first: a tombstone without its record would be reported as forged.
    for (const [chain, list] of findUsersEvents(dir, segments, isUsers)) {
      appendErasure(dir, signErasure(opts.signingKey, { chain_id: chain, events: list, at, by: opts.actor, ...(opts.reason ? { reason: opts.reason } : {}) }));
    }
  }
  for (const name of segments) {
    const n = eraseInFile(join(dir, name), (line) => isUsers(line as AuditEvent), (line, length) => tombstone(line as AuditEvent, length, opts.actor, opts.reason, at), traces);
    if (n) files.push(name);
    events += n;
  }
  // The index holds copies of these lines: its parts for them go in the same operation.
  dropIndexParts(dir, files);
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
