/**
 * The trail's on-disk format, in one place: what the JSONL sink writes, what the spool, the
 * stores, verify, erasure and recovery read. Everything about names and framing lives here.
 *
 * Files under the trail directory:
 *   <YYYY-MM-DD>.<chain_id>.jsonl            a segment: one event per line, one file per writer chain and UTC day
 *   .delivery/writers/<chain>.json           which process is writing a chain (liveness)
 *   .delivery/<sink>/<chain>.cursor.json     what <sink> has acknowledged of <chain>: segment + byte offset
 *   .delivery/<sink>/<chain>.adopt           lock held by the process delivering a dead chain
 *   .delivery/<sink>/dead-letter.jsonl       events <sink> rejected for good, with the reason
 *
 * Line framing: each line is one event as JSON followed by `\n`, appended whole or not at all
 * (`append.ts`). A last line without its newline is torn: a reader leaves it alone while its chain
 * is live (the writer may be mid-write) and skips it, counted, once the chain is finished or has
 * moved on to a later segment (`cursor-reader.ts`). Any other line that is not an event is skipped
 * and counted, never allowed to hide the lines around it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { holderAlive, readHolder, thisProcess } from "./process-lock.js";
import { replaceFile, replaceFileSync } from "./replace-file.js";
export { processAlive } from "./process-lock.js";

export const DEFAULT_AUDIT_DIR = ".audit";

/**
 * The line an event was sealed as, when the sealer built it (a symbol: never part of the JSON).
 * Sealing already serializes every field canonically to hash it; those same bytes, sorted keys and
 * all, are the line the JSONL sink writes, so an event is serialized once. Any JSON parser reads
 * the line as the event, and re-canonicalizing what it reads gives back the bytes that were hashed.
 */
export const SEALED_LINE: unique symbol = Symbol("agent-audit-trail.sealedLine");

/**
 * The line to write for an event, without its newline: the sealed text when there is one (a large
 * event's already as UTF-8 bytes), else its JSON.
 */
export function lineFor(event: AuditEvent): string | Buffer {
  return (event as { [SEALED_LINE]?: string | Buffer })[SEALED_LINE] ?? JSON.stringify(event);
}

/** The line for an event as text. */
export function lineOf(event: AuditEvent): string {
  const line = lineFor(event);
  return typeof line === "string" ? line : line.toString("utf8");
}

/** Lines for events, each ended by a newline, as the bytes one `write(2)` appends. */
export function linesBytes(events: readonly AuditEvent[], from = 0, to = events.length): Buffer {
  let text = "";
  let parts: Buffer[] | undefined;
  for (let i = from; i < to; i++) {
    const line = lineFor(events[i]!);
    if (typeof line === "string") {
      text += line + "\n";
      continue;
    }
    parts ??= [];
    if (text) parts.push(Buffer.from(text));
    parts.push(line, NEWLINE);
    text = "";
  }
  if (!parts) return Buffer.from(text);
  if (text) parts.push(Buffer.from(text));
  return Buffer.concat(parts);
}
const NEWLINE = Buffer.from("\n");

/** The segment file name for an event: its UTC day and its writer's chain. */
export function segmentName(event: Pick<AuditEvent, "ts" | "chain_id">): string {
  return `${event.ts.slice(0, 10)}.${event.chain_id}.jsonl`;
}

export const SEGMENT_PATTERN = /^\d{4}-\d{2}-\d{2}\.[0-9a-f-]{36}\.jsonl$/;

/** The trail's segment files, oldest day first. */
export function listSegments(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => SEGMENT_PATTERN.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Parses one trail line; undefined (with a reason) when it is not an event. */
export function parseLine(text: string): { event: AuditEvent } | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: "not valid JSON (torn or corrupted line)" };
  }
  const v = value as Partial<AuditEvent> | null;
  if (!v || typeof v !== "object" || typeof v.id !== "string" || typeof v.type !== "string" || typeof v.ts !== "string") {
    return { reason: "not an audit event" };
  }
  return { event: v as AuditEvent };
}

export interface Cursor {
  /** Segment file name; undefined = the chain's first segment, not written yet. */
  segment: string | undefined;
  offset: number;
}

export interface CursorRecord extends Cursor {
  delivered: number;
  dead_lettered: number;
  dropped: number;
  updated: string;
}

/** A chain's segment file names, oldest day first. */
export function chainSegments(dir: string, chainId: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => SEGMENT_PATTERN.test(name) && name.slice(11, 47) === chainId)
    .sort();
}

export const deliveryDir = (dir: string) => join(dir, ".delivery");
export const sinkDir = (dir: string, sink: string) => join(deliveryDir(dir), safeName(sink));
export const cursorFile = (dir: string, sink: string, chainId: string) => join(sinkDir(dir, sink), `${chainId}.cursor.json`);
export const deadLetterFile = (dir: string, sink: string) => join(sinkDir(dir, sink), "dead-letter.jsonl");
export const writersDir = (dir: string) => join(deliveryDir(dir), "writers");
const writerFile = (dir: string, chainId: string) => join(writersDir(dir), `${chainId}.json`);

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._#-]/g, "_");
}

export function readCursor(dir: string, sink: string, chainId: string): CursorRecord | undefined {
  try {
    return JSON.parse(readFileSync(cursorFile(dir, sink, chainId), "utf8")) as CursorRecord;
  } catch {
    return undefined;
  }
}

/** Creates a chain's cursor for a sink at the very start, unless one exists. */
export function initCursor(dir: string, sink: string, chainId: string): CursorRecord {
  const existing = readCursor(dir, sink, chainId);
  if (existing) return existing;
  const record: CursorRecord = { segment: undefined, offset: 0, delivered: 0, dead_lettered: 0, dropped: 0, updated: new Date().toISOString() };
  mkdirSync(sinkDir(dir, sink), { recursive: true, mode: 0o700 });
  writeFileSync(cursorFile(dir, sink, chainId), JSON.stringify(record), { mode: 0o600 });
  return record;
}

/** Atomically replaces a cursor file (write a temporary file, then rename over the old one). */
export async function saveCursor(dir: string, sink: string, chainId: string, record: CursorRecord): Promise<void> {
  await replaceFile(cursorFile(dir, sink, chainId), JSON.stringify(record));
}

/** Marks this process as the live writer of a chain (named by pid, host and the pid's start time). */
export function registerWriter(dir: string, chainId: string): void {
  mkdirSync(join(deliveryDir(dir), "writers"), { recursive: true, mode: 0o700 });
  // Whole or not at all: a reader never mistakes a half-written file for a dead writer.
  replaceFileSync(writerFile(dir, chainId), JSON.stringify({ ...thisProcess(), started: new Date().toISOString() }));
}

export function unregisterWriter(dir: string, chainId: string): void {
  try {
    unlinkSync(writerFile(dir, chainId));
  } catch {
    // already gone
  }
}


/** Is some process (on this host) still writing the chain? A writer on another host counts as live. */
export function writerAlive(dir: string, chainId: string): boolean {
  const writer = readHolder(writerFile(dir, chainId));
  return writer !== undefined && holderAlive(writer);
}

/** Chains that have a cursor for `sink` (so `sink` was configured when they were written). */
export function chainsWithCursor(dir: string, sink: string): string[] {
  const d = sinkDir(dir, sink);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith(".cursor.json"))
    .map((f) => f.slice(0, -".cursor.json".length));
}

/** Bytes of the chain not yet read past `cursor` (the backlog a full-spool policy looks at). */
export function backlogBytes(dir: string, chainId: string, cursor: Cursor): number {
  let total = 0;
  for (const s of chainSegments(dir, chainId)) {
    if (cursor.segment !== undefined && s < cursor.segment) continue;
    const size = statSync(join(dir, s)).size;
    total += s === cursor.segment ? Math.max(0, size - cursor.offset) : size;
  }
  return total;
}
