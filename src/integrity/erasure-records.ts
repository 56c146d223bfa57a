/**
 * Erasure is a signed fact, not a marker. Before any event is tombstoned, `eraseUser` /
 * `agent-audit erase` append to each affected chain's digest file (`.digests/<chain>.jsonl`, beside
 * its checkpoints) a record signed with the trail key: which events (seq and content_hash), who,
 * when, and why (redacted). `verify` accepts a tombstone only where such a record names exactly that
 * event; any other is `forged_erasure`. Without the key an attacker can remove content, but cannot
 * make the removal look like an erasure.
 */
import { sign, type KeyObject } from "node:crypto";
import { mkdirSync } from "node:fs";
import { appendLineWhole } from "./append.js";
import { canonicalJson } from "./canonical.js";
import { digestDir, digestFile } from "./checkpoints.js";
import { keyId } from "./keys.js";

export interface ErasureRecord {
  type: "erasure";
  chain_id: string;
  /** The tombstoned events of this chain: the chain still commits to each content_hash. */
  events: Array<{ seq: number; content_hash: string }>;
  at: string;
  by: string;
  reason?: string;
  key_id: string;
  sig: string;
}

export function signErasure(key: KeyObject, body: Omit<ErasureRecord, "type" | "key_id" | "sig">): ErasureRecord {
  const unsigned = { type: "erasure" as const, ...body, key_id: keyId(key) };
  return { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString("base64") };
}

/** Appends the record to its chain's digest file (whole line or nothing). */
export function appendErasure(dir: string, record: ErasureRecord): void {
  mkdirSync(digestDir(dir), { recursive: true, mode: 0o700 });
  appendLineWhole(digestFile(dir, record.chain_id), JSON.stringify(record) + "\n");
}
