/**
 * Telling a crash from an attack. A writer killed in the middle of `write(2)` leaves its chain's
 * last segment ending in a partial line. `verify` reports such a tail as `torn_tail` (a warning),
 * never as tampering; and the next trail that opens the directory acknowledges it for good: it
 * seals a `trail.recovery` record naming exactly those bytes (file, offset, length, SHA-256) into
 * its own chain, then ends the torn line with a newline so later trails know it is handled. The
 * torn bytes themselves stay as they were: they are evidence.
 *
 * Only chains whose writer is gone are touched: a live writer's last line may be mid-write.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SEGMENT_PATTERN } from "../format/trail-format.js";
import { writerAlive, writersDir } from "../format/trail-format.js";
import { takeLock } from "../format/process-lock.js";
import type { RecoveryData } from "./records.js";
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import type { AuditEvent } from "../events/schema.js";
import { appendCheckpoint, checkpointValid, readCheckpoints, signCheckpoint, type Checkpoint } from "./checkpoints.js";
import { contentHash, envelopeHash } from "./seal.js";

const CHUNK = 64 * 1024;

/** Each chain's last segment file name, by chain id. */
function lastSegments(dir: string): Map<string, string> {
  const last = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return last;
  }
  for (const name of names) {
    if (!SEGMENT_PATTERN.test(name)) continue;
    const chain = name.slice(11, 47);
    const known = last.get(chain);
    if (!known || name > known) last.set(chain, name);
  }
  return last;
}

/**
 * The last line of a file, not counting one newline that ends it: where it starts, its length and
 * SHA-256, and whether it is terminated. Undefined for an empty file.
 */
export function lastLine(file: string): { offset: number; length: number; sha256: string; terminated: boolean } | undefined {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    // Trailing newlines end the line (two trails that both acknowledged it leave two).
    const one = Buffer.alloc(1);
    let end = size;
    while (end > 0 && readSync(fd, one, 0, 1, end - 1) === 1 && one[0] === 10) end--;
    const terminated = end < size;
    // Walk back to the newline before the line.
    let start = 0;
    const buf = Buffer.alloc(CHUNK);
    for (let to = end; to > 0; ) {
      const from = Math.max(0, to - CHUNK);
      const n = readSync(fd, buf, 0, to - from, from);
      const nl = buf.subarray(0, n).lastIndexOf(10);
      if (nl !== -1) {
        start = from + nl + 1;
        break;
      }
      to = from;
    }
    const hash = createHash("sha256");
    for (let at = start; at < end; ) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, end - at), at);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
    return { offset: start, length: end - start, sha256: hash.digest("hex"), terminated };
  } finally {
    closeSync(fd);
  }
}

/** The partial line at the end of a file that does not end with a newline. */
export function tornTail(file: string): Omit<RecoveryData, "chain_id" | "file"> | undefined {
  const line = lastLine(file);
  if (!line || line.terminated) return undefined;
  return { offset: line.offset, length: line.length, sha256: line.sha256 };
}

/**
 * Finds the torn tails of dead writers' chains in `dir` and hands each to `acknowledge`, which
 * seals the record and says whether it is on disk; only then is the torn line closed with a
 * newline (so a crash in between just acknowledges it again next time). Returns what it handled.
 */
export function acknowledgeTornTails(dir: string, ownChain: string, acknowledge: (tail: RecoveryData) => boolean): RecoveryData[] {
  const handled: RecoveryData[] = [];
  for (const [chain, name] of lastSegments(dir)) {
    if (chain === ownChain || writerAlive(dir, chain)) continue;
    const file = join(dir, name);
    if (!tornTail(file)) continue;
    // Two trails opening the directory at once must not both acknowledge (and end) the same line.
    const release = lockRecovery(dir, chain);
    if (!release) continue;
    try {
      const tail = tornTail(file); // again, under the lock: another trail may just have done it
      if (!tail) continue;
      const record: RecoveryData = { chain_id: chain, file: name, ...tail };
      if (!acknowledge(record)) continue;
      const fd = openSync(file, "a");
      try {
        writeSync(fd, "\n");
      } finally {
        closeSync(fd);
      }
      handled.push(record);
    } finally {
      release();
    }
  }
  return handled;
}

/** An exclusive lock on acknowledging one chain's tail; a lock left by a dead process is taken over. */
function lockRecovery(dir: string, chain: string): (() => void) | undefined {
  try {
    mkdirSync(writersDir(dir), { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  return takeLock(join(writersDir(dir), `${chain}.recovering`));
}


/** Segments larger than this are not read back to seal a tail (the warning stays for an operator). */
const SEAL_READ_MAX = 64 * 1024 * 1024;

/**
 * A writer killed before its next checkpoint leaves events no signature covers. The next trail on
 * the directory signs a checkpoint over them (`sealed_by` its own chain), but only what an honest
 * crash can leave: the chain must already have a checkpoint signed with this key; the unsigned
 * events must follow it, each linked to the one before and whole (their hashes recomputed); and
 * there may be no more of them, over no longer, than the writer's own signed cadence allows.
 * Anything else (forged events appended, a chain that was never signed) is left for verify to
 * report. Returns the chains sealed.
 */
export function sealDeadChains(dir: string, ownChain: string, key: KeyObject, options: { every: number; intervalMs: number; onSigned?: (cp: Checkpoint) => void }, now = new Date()): string[] {
  const publicKey = createPublicKey(key);
  const sealed: string[] = [];
  for (const [chain, name] of lastSegments(dir)) {
    if (chain === ownChain || writerAlive(dir, chain)) continue;
    const signed = readCheckpoints(dir, chain).filter((c): c is Checkpoint => !("bad" in c) && c.type === "checkpoint" && c.chain_id === chain && !c.purged && checkpointValid(publicKey, c));
    const newest = signed.reduce<Checkpoint | undefined>((a, c) => (!a || c.seq > a.seq ? c : a), undefined);
    // A chain closed cleanly has nothing unsigned: events after its final checkpoint were added later.
    if (!newest || newest.final) continue;
    const tail = unsignedTail(join(dir, name), newest);
    if (!tail || tail.length === 0) continue;
    const every = newest.every ?? options.every;
    const interval = newest.interval_ms ?? options.intervalMs;
    const last = tail[tail.length - 1]!;
    if (tail.length > every || Date.parse(last.ts) - Date.parse(newest.ts) > 2 * interval + 30_000) continue;
    const cp = signCheckpoint(key, { chain_id: chain, seq: last.seq, hash: last.hash!, ts: now.toISOString(), sealed_by: ownChain });
    appendCheckpoint(dir, cp);
    options.onSigned?.(cp);
    sealed.push(chain);
  }
  return sealed;
}

/** The events after checkpoint `from` in a segment, if they are whole and each links to the last; else undefined. */
function unsignedTail(file: string, from: Checkpoint): AuditEvent[] | undefined {
  const fd = openSync(file, "r");
  let text: string;
  try {
    const size = fstatSync(fd).size;
    if (size > SEAL_READ_MAX) return undefined;
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    text = buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
  const events: AuditEvent[] = [];
  for (const line of text.split("\n")) {
    try {
      if (line.trim()) events.push(JSON.parse(line) as AuditEvent);
    } catch {
      // a torn line (acknowledged separately) ends nothing here; it is not an event
    }
  }
  const at = events.findIndex((e) => e.seq === from.seq && e.hash === from.hash);
  if (at === -1) return undefined;
  const tail = events.slice(at + 1);
  let prev = events[at]!;
  for (const e of tail) {
    const whole = e.hash === envelopeHash(e) && (e.erased !== undefined || (e.salt !== undefined && e.content_hash === contentHash(e.salt, e)));
    if (e.seq !== prev.seq + 1 || e.prev_hash !== prev.hash || !whole) return undefined;
    prev = e;
  }
  return tail;
}
