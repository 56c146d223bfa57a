/**
 * What `eraseUserInTrail` would change, computed without changing anything: the CLI shows it and
 * asks before erasing. It matches events exactly as the erasure does (the user's events not yet
 * erased, decrypted first when the trail is encrypted), in the segments and the dead letters.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN, deliveryDir } from "../format/trail-format.js";
import { decryptEvent } from "./encryption.js";

export interface ErasurePlan {
  user: string;
  /** Events to tombstone, segments and dead letters together. */
  events: number;
  /** Files to rewrite in place, relative to the trail directory. */
  files: string[];
  chains: string[];
  sessions: string[];
  /** Time of the first and last matching event (ISO 8601), when there is one. */
  first_ts?: string;
  last_ts?: string;
}

export function planUserErasure(dir: string, userId: string, options: { encryptionKey?: Buffer } = {}): ErasurePlan {
  const plan: ErasurePlan = { user: userId, events: 0, files: [], chains: [], sessions: [] };
  const chains = new Set<string>();
  const sessions = new Set<string>();
  const matches = (e: AuditEvent | undefined): AuditEvent | undefined => {
    if (!e || typeof e !== "object" || e.erased) return undefined;
    const plain = e.enc && options.encryptionKey ? decryptEvent(e, options.encryptionKey) : e;
    return plain.user_id === userId ? plain : undefined;
  };
  const count = (relative: string, pick: (line: Record<string, unknown>) => AuditEvent | undefined) => {
    let n = 0;
    for (const text of readFileSync(join(dir, relative), "utf8").split("\n")) {
      if (!text.trim()) continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue; // the erasure skips unreadable lines too
      }
      const e = pick(line);
      if (!e) continue;
      n++;
      if (e.chain_id) chains.add(e.chain_id);
      if (e.session_id) sessions.add(e.session_id);
      if (e.ts && (!plan.first_ts || e.ts < plan.first_ts)) plan.first_ts = e.ts;
      if (e.ts && (!plan.last_ts || e.ts > plan.last_ts)) plan.last_ts = e.ts;
    }
    if (n) plan.files.push(relative);
    plan.events += n;
  };
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort() : [];
  for (const name of segments) count(name, (line) => matches(line as AuditEvent));
  const deliveries = deliveryDir(dir);
  for (const sink of existsSync(deliveries) ? readdirSync(deliveries).sort() : []) {
    const relative = join(".delivery", sink, "dead-letter.jsonl");
    if (existsSync(join(dir, relative))) count(relative, (line) => matches(line.event as AuditEvent | undefined));
  }
  plan.chains = [...chains].sort();
  plan.sessions = [...sessions].sort();
  return plan;
}
