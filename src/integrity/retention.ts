/**
 * Retention: whole segment files older than the limit are removed, and a signed checkpoint records
 * what was purged (segment, first and last seq, last hash) so `verify` tells a purge from
 * tampering and continues the chain after it.
 */
import type { KeyObject } from "node:crypto";
import { existsSync, readFileSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../format/trail-format.js";
import { appendCheckpoint, signCheckpoint, type PurgedRange } from "./checkpoints.js";

export interface PurgeResult {
  segments: string[];
  events: number;
  cutoff: string;
}

/** "90d", "12h", "30m" → milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+)\s*(d|h|m)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not an age; use e.g. 90d, 12h or 30m`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as "d" | "h" | "m"];
}

export function purgeOlderThan(dir: string, olderThanMs: number, key: KeyObject, now = new Date()): PurgeResult {
  const cutoffDay = new Date(now.getTime() - olderThanMs).toISOString().slice(0, 10);
  const result: PurgeResult = { segments: [], events: 0, cutoff: cutoffDay };
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort() : [];
  const byChain = new Map<string, PurgedRange[]>();
  for (const name of segments) {
    // A segment is named by its UTC day: whole days strictly before the cutoff go.
    if (name.slice(0, 10) >= cutoffDay) continue;
    const chain = name.slice(11, 47);
    const lines = readFileSync(join(dir, name), "utf8").split("\n").filter((l) => l.trim());
    const events: AuditEvent[] = [];
    for (const l of lines) {
      try {
        events.push(JSON.parse(l) as AuditEvent);
      } catch {
        // a torn line in an expired segment goes with it
      }
    }
    if (!events.length) continue;
    const last = events[events.length - 1]!;
    byChain.set(chain, [...(byChain.get(chain) ?? []), { segment: name, first_seq: events[0]!.seq, last_seq: last.seq, last_hash: last.hash ?? "" }]);
    result.events += events.length;
  }
  for (const [chain, ranges] of byChain) {
    const last = ranges[ranges.length - 1]!;
    // Record first, then delete: a crash in between leaves a purge on record and files to purge again.
    appendCheckpoint(dir, signCheckpoint(key, { chain_id: chain, seq: last.last_seq, hash: last.last_hash, ts: now.toISOString(), purged: ranges }));
    for (const r of ranges) {
      unlinkSync(join(dir, r.segment));
      result.segments.push(r.segment);
    }
  }
  return result;
}
