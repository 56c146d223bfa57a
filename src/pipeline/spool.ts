/**
 * The durable spool: the JSONL trail read back by remote sinks. Each sink keeps its own cursor per
 * writer chain (segment file + byte offset), like a consumer offset on a log, so after a crash or
 * restart delivery resumes exactly where it was acknowledged.
 *
 * Layout under the trail directory:
 *   <day>.<chain>.jsonl                      the trail itself (written by jsonlSink)
 *   .delivery/writers/<chain>.json           which process is writing a chain (liveness)
 *   .delivery/<sink>/<chain>.cursor.json     what <sink> has acknowledged of <chain>
 *   .delivery/<sink>/<chain>.adopt           lock held by the process delivering a dead chain
 *   .delivery/<sink>/dead-letter.jsonl       events <sink> rejected for good, with the reason
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { open, rename, writeFile, stat } from "node:fs/promises";
import { appendLineWhole } from "../integrity/append.js";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../sinks/jsonl.js";
import { parseLine } from "../store/jsonl.js";

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
  const file = cursorFile(dir, sink, chainId);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record), { mode: 0o600 });
  await rename(tmp, file);
}

export async function appendDeadLetters(dir: string, sink: string, entries: ReadonlyArray<{ event: AuditEvent; reason: string }>): Promise<void> {
  const at = new Date().toISOString();
  const text = entries.map((e) => JSON.stringify({ dead_lettered_at: at, sink, reason: e.reason, event: e.event })).join("\n") + "\n";
  appendLineWhole(deadLetterFile(dir, sink), text);
}

/** Marks this process as the live writer of a chain. */
export function registerWriter(dir: string, chainId: string): void {
  mkdirSync(join(deliveryDir(dir), "writers"), { recursive: true, mode: 0o700 });
  writeFileSync(writerFile(dir, chainId), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }), { mode: 0o600 });
}

export function unregisterWriter(dir: string, chainId: string): void {
  try {
    unlinkSync(writerFile(dir, chainId));
  } catch {
    // already gone
  }
}

/** Is a process of this host alive (EPERM: alive, owned by another user)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Is some process (on this host) still writing the chain? A writer on another host counts as live. */
export function writerAlive(dir: string, chainId: string): boolean {
  try {
    const w = JSON.parse(readFileSync(writerFile(dir, chainId), "utf8")) as { pid: number; host: string };
    return w.host !== hostname() || processAlive(w.pid);
  } catch {
    return false;
  }
}

/**
 * Takes the right to deliver a dead chain to one sink (exclusive create); a lock left by a
 * process that died is taken over. Returns a release function, or undefined if someone holds it.
 */
export function adoptChain(dir: string, sink: string, chainId: string): (() => void) | undefined {
  const file = join(sinkDir(dir, sink), `${chainId}.adopt`);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(file);
        } catch {
          // gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
      try {
        const holder = JSON.parse(readFileSync(file, "utf8")) as { pid: number; host: string };
        if (holder.host === hostname() && !processAlive(holder.pid)) unlinkSync(file);
        else return undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Chains that have a cursor for `sink` (so `sink` was configured when they were written). */
export function chainsWithCursor(dir: string, sink: string): string[] {
  const d = sinkDir(dir, sink);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith(".cursor.json"))
    .map((f) => f.slice(0, -".cursor.json".length));
}

export interface ReadResult {
  events: AuditEvent[];
  bytes: number;
  /** Where the next read starts once these events are acknowledged. */
  next: Cursor;
  /** Lines skipped: torn by a crash mid-write, or not events. */
  torn: number;
  bad: number;
}

/**
 * Reads whole lines from a chain's segments, starting at `cursor`. A partial last line is left
 * alone while the chain is live (the writer may be mid-write) and skipped as torn once the chain
 * is finished or has moved on to a later segment.
 */
export async function readFrom(dir: string, chainId: string, cursor: Cursor, maxEvents: number, maxBytes: number, finished: boolean, decode?: (e: AuditEvent) => AuditEvent): Promise<ReadResult> {
  const result: ReadResult = { events: [], bytes: 0, next: { ...cursor }, torn: 0, bad: 0 };
  let segments: string[] | undefined;
  for (;;) {
    segments ??= chainSegments(dir, chainId);
    if (result.next.segment === undefined) {
      if (!segments.length) return result;
      result.next = { segment: segments[0], offset: 0 };
    }
    const file = join(dir, result.next.segment!);
    const size = existsSync(file) ? (await stat(file)).size : 0;
    if (size > result.next.offset && result.events.length < maxEvents && result.bytes < maxBytes) {
      // Whole bytes, and at most READ_CHUNK_MAX at a time (a longer line is read whole below).
      const chunk = await readChunk(file, result.next.offset, Math.floor(Math.min(size - result.next.offset, Math.max(maxBytes - result.bytes, 64 * 1024), READ_CHUNK_MAX)));
      let consumed = 0;
      let start = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
        const line = chunk.subarray(start, nl);
        const lineBytes = nl + 1 - start;
        if (result.events.length > 0 && (result.events.length >= maxEvents || result.bytes + lineBytes > maxBytes)) break;
        start = nl + 1;
        consumed = start;
        if (line.length === 0) continue;
        const parsed = parseLine(line.toString("utf8"));
        if ("event" in parsed) {
          result.events.push(decode ? decode(parsed.event) : parsed.event);
          result.bytes += lineBytes;
        } else {
          result.bad++;
        }
      }
      if (consumed === 0 && chunk.length > 0 && result.next.offset + chunk.length < size) {
        // One line longer than the chunk: read it whole.
        const whole = await readChunk(file, result.next.offset, size - result.next.offset);
        const nl = whole.indexOf(10);
        if (nl !== -1) {
          const parsed = parseLine(whole.subarray(0, nl).toString("utf8"));
          if ("event" in parsed) result.events.push(decode ? decode(parsed.event) : parsed.event);
          else result.bad++;
          result.bytes += nl + 1;
          consumed = nl + 1;
        }
      }
      result.next = { segment: result.next.segment, offset: result.next.offset + consumed };
      if (consumed > 0) continue;
    }
    if (result.events.length >= maxEvents || result.bytes >= maxBytes) return result;
    // At the end of this segment's whole lines.
    const later = segments.find((s) => s > result.next.segment!);
    const remainder = size - result.next.offset;
    if (later) {
      if (remainder > 0) result.torn++;
      result.next = { segment: later, offset: 0 };
      continue;
    }
    if (finished && remainder > 0) {
      result.torn++;
      result.next = { segment: result.next.segment, offset: size };
    }
    return result;
  }
}

/** The most bytes read at once: skipping a full spool's excess must not allocate hundreds of MB. */
const READ_CHUNK_MAX = 8 * 1024 * 1024;

async function readChunk(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
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
