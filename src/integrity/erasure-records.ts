/**
 * Erasure is a signed fact, not a marker. Before any event is tombstoned, `eraseUser` /
 * `agent-audit erase` append to each affected chain's digest file (`.digests/<chain>.jsonl`, beside
 * its checkpoints) a record signed with the trail key: which events (seq and content_hash), who,
 * when, and why (redacted). `verify` accepts a tombstone only where such a record names exactly that
 * event; any other is `forged_erasure`. Without the key an attacker can remove content, but cannot
 * make the removal look like an erasure.
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { mkdirSync } from "node:fs";
import * as z from "zod";
import { appendLineWhole } from "../format/append.js";
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

/** True when `record` is signed by `publicKey` exactly as it reads (every member but `sig`). */
export function erasureSignatureValid(publicKey: KeyObject, record: ErasureRecord): boolean {
  const { sig, ...unsigned } = record;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(sig, "base64"));
  } catch {
    return false;
  }
}

// Loose: members this version does not know are kept, so the signature (over all of them) decides.
const recordSchema = z.looseObject({
  type: z.literal("erasure"),
  chain_id: z.string(),
  events: z.array(z.looseObject({ seq: z.number().int().nonnegative(), content_hash: z.string() })),
  at: z.string(),
  by: z.string(),
  reason: z.string().optional(),
  key_id: z.string(),
  sig: z.string(),
});

/** A record read from elsewhere (a database row), or undefined when it is not shaped like one. */
export function parseErasureRecord(value: unknown): ErasureRecord | undefined {
  const parsed = recordSchema.safeParse(value);
  return parsed.success ? (parsed.data as ErasureRecord) : undefined;
}

/** Appends the record to its chain's digest file (whole line or nothing). */
export function appendErasure(dir: string, record: ErasureRecord): void {
  mkdirSync(digestDir(dir), { recursive: true, mode: 0o700 });
  appendLineWhole(digestFile(dir, record.chain_id), JSON.stringify(record) + "\n");
}
