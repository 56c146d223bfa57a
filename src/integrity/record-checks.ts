/**
 * Checks of one signed record against what it signs: a checkpoint's C2SP note against the
 * checkpoint, a tombstone against its signed erasure record. Each answers why not, or undefined.
 */
import type { KeyObject } from "node:crypto";
import type { AuditEvent } from "../events/schema.js";
import { checkpointOrigin, type Checkpoint } from "./checkpoints.js";
import type { ErasureRecord } from "./erasure-records.js";
import { CONTENT_FIELDS } from "./seal.js";
import { openNote } from "./signed-note.js";

/**
 * A checkpoint's C2SP note must be signed by the same key and say exactly what the JSON line says
 * (origin, tree size, root); undefined when it does, or when the checkpoint has no note (older ones).
 */
export function noteProblem(cp: Checkpoint, chain: string, publicKey: KeyObject): string | undefined {
  if (cp.note === undefined) return undefined;
  const origin = checkpointOrigin(chain);
  try {
    const { text } = openNote(cp.note, [{ name: origin, publicKey }]);
    if (text !== `${origin}\n${cp.tree_size}\n${cp.root}\n` || cp.tree_size !== cp.seq) return `the checkpoint note at seq ${cp.seq} does not match its checkpoint`;
  } catch (err) {
    return `the checkpoint note at seq ${cp.seq} does not verify: ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Why a tombstone is not a legitimate erasure, or undefined when it is: a signed erasure record
 * must name this event with the content_hash the chain holds, and nothing of its content may be left.
 */
export function erasureProblem(e: AuditEvent, signed: ReadonlyMap<number, { content_hash: string; record: ErasureRecord }>): string | undefined {
  const covered = signed.get(e.seq);
  if (covered === undefined) return "a tombstone that no signed erasure record covers (content removed, not erased)";
  if (covered.content_hash !== e.content_hash) return "the signed erasure record names a different content_hash";
  const left: string[] = CONTENT_FIELDS.filter((f) => f !== "data" && e[f] !== undefined);
  if (e.salt !== undefined) left.push("salt");
  const data = e.data as unknown;
  if (data === null || typeof data !== "object" || Array.isArray(data) || Object.keys(data).length) left.push("data");
  if (left.length) return `a tombstone still holding content (${left.join(", ")})`;
  const { at, by, reason } = covered.record;
  const marker = e.erased!;
  // The tombstone may only shorten the signed reason (to fit the line), never change it.
  const reasonFits = marker.reason === undefined || marker.reason === reason || (marker.reason.endsWith("…") && (reason ?? "").startsWith(marker.reason.slice(0, -1)));
  if (marker.at !== at || marker.by !== by || !reasonFits || Object.keys(marker).some((k) => !["at", "by", "reason"].includes(k))) return "the tombstone's who, when or why differs from its signed erasure record";
  return undefined;
}
