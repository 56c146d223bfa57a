/**
 * Finding the events a bundle is asked for, without parsing a whole trail: a line is parsed only
 * when it contains the JSON text of the id asked for (a byte search, far faster than JSON.parse),
 * and a segment is skipped whole when its day lies outside --since/--until.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../format/trail-format.js";
import { matches } from "../store/jsonl-store.js";
import { lineBlocks, splitLines } from "../format/line-reader.js";
import type { EventFilter } from "../store/types.js";

export interface Selection extends EventFilter {
  eventId?: string;
}

const DAY_MS = 86_400_000;

/** Segments of the trail by chain, in order (names sort by day). */
export function segmentsByChain(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort()) {
    const chain = name.slice(11, 47);
    out.set(chain, [...(out.get(chain) ?? []), name]);
  }
  return out;
}

/** The events of the trail the selection names, chain by chain in seq order. */
export async function* selectEvents(dir: string, selection: Selection): AsyncGenerator<AuditEvent> {
  const id = selection.eventId ?? selection.sessionId ?? selection.userId;
  const needle = id === undefined ? undefined : Buffer.from(JSON.stringify(id));
  for (const [, files] of segmentsByChain(dir)) {
    for (const file of files) {
      const day = Date.parse(`${file.slice(0, 10)}T00:00:00.000Z`);
      // A day of slack either side: an event stamped just before midnight may land in the next file.
      if (selection.since && day + 2 * DAY_MS <= selection.since.getTime()) continue;
      if (selection.until && day >= selection.until.getTime() + DAY_MS) continue;
      for await (const block of lineBlocks(join(dir, file))) {
        for (const line of needle ? linesHolding(block, needle) : splitLines(block)) {
          if (line.length === 0) continue;
          let e: AuditEvent;
          try {
            e = JSON.parse(line.toString("utf8")) as AuditEvent;
          } catch {
            continue; // a torn line: verify reports it; it cannot be proven anyway
          }
          if (selection.eventId !== undefined && e.id !== selection.eventId) continue;
          if (matches(e, selection)) yield e;
        }
      }
    }
  }
}

/** The lines of a block that contain `needle`: found by searching the block, not each line. */
function* linesHolding(block: Buffer, needle: Buffer): Generator<Buffer> {
  let at = block.indexOf(needle);
  while (at !== -1) {
    const start = block.lastIndexOf(10, at) + 1;
    let end = block.indexOf(10, at);
    if (end === -1) end = block.length;
    yield block.subarray(start, end);
    at = block.indexOf(needle, end);
  }
}
