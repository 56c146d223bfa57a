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
import { dropIndexParts } from "../format/index-files.js";
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

/** What a purge would remove, read without changing anything (the CLI shows it before asking). */
export interface PurgePlan {
  /** The UTC day: segments of whole days strictly before it go. */
  cutoff: string;
  segments: string[];
  events: number;
  chains: string[];
  users: string[];
  /** Time of the first and last event to be removed (ISO 8601), when there is one. */
  first_ts?: string;
  last_ts?: string;
  /** Per chain, the ranges the signed checkpoint will record. */
  ranges: Map<string, PurgedRange[]>;
}

export function planPurge(dir: string, olderThanMs: number, now = new Date(), onEvents?: (events: number) => void): PurgePlan {
  const cutoff = new Date(now.getTime() - olderThanMs).toISOString().slice(0, 10);
  const plan: PurgePlan = { cutoff, segments: [], events: 0, chains: [], users: [], ranges: new Map() };
  const users = new Set<string>();
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort() : [];
  for (const name of segments) {
    // A segment is named by its UTC day: whole days strictly before the cutoff go.
    if (name.slice(0, 10) >= cutoff) continue;
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
    plan.ranges.set(chain, [...(plan.ranges.get(chain) ?? []), { segment: name, first_seq: events[0]!.seq, last_seq: last.seq, last_hash: last.hash ?? "" }]);
    plan.segments.push(name);
    plan.events += events.length;
    for (const e of events) {
      if (e.user_id) users.add(e.user_id);
      if (e.ts && (!plan.first_ts || e.ts < plan.first_ts)) plan.first_ts = e.ts;
      if (e.ts && (!plan.last_ts || e.ts > plan.last_ts)) plan.last_ts = e.ts;
    }
    onEvents?.(plan.events);
  }
  plan.chains = [...plan.ranges.keys()].sort();
  plan.users = [...users].sort();
  return plan;
}

export function purgeOlderThan(dir: string, olderThanMs: number, key: KeyObject, now = new Date()): PurgeResult {
  return applyPurge(dir, planPurge(dir, olderThanMs, now), key, now);
}

/** Removes exactly the segments a plan names (the ones a person was shown), recorded first. */
export function applyPurge(dir: string, plan: PurgePlan, key: KeyObject, now = new Date()): PurgeResult {
  const result: PurgeResult = { segments: [], events: plan.events, cutoff: plan.cutoff };
  for (const [chain, ranges] of plan.ranges) {
    const last = ranges[ranges.length - 1]!;
    // Record first, then delete: a crash in between leaves a purge on record and files to purge again.
    appendCheckpoint(dir, signCheckpoint(key, { chain_id: chain, seq: last.last_seq, hash: last.last_hash, ts: now.toISOString(), purged: ranges }));
    for (const r of ranges) {
      unlinkSync(join(dir, r.segment));
      result.segments.push(r.segment);
    }
  }
  // The index holds copies of the purged lines: their parts go too.
  dropIndexParts(dir, result.segments);
  return result;
}
