/**
 * Reading a chain from a cursor: whole lines only, with the torn-line rule of `trail-format.ts`.
 * What the spool hands to each remote sink.
 */
import { existsSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { chainSegments, parseLine, type Cursor } from "./trail-format.js";

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
