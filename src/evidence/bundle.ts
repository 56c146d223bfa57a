/**
 * The evidence bundle: one JSON file an auditor, a customer or a court can check offline, without
 * the trail. It holds the selected events exactly as the trail stores them, for each an RFC 6962
 * inclusion proof to a signed checkpoint of its chain (also as a C2SP tlog-proof text, which
 * transparency-log tools read), the checkpoints with their C2SP notes, the signed erasure records
 * that cover any tombstone among the events, and the writer's public key (for reference only: a
 * verifier checks with a key it got elsewhere).
 */
import { z } from "zod";

export const BUNDLE_FORMAT = "agent-audit-trail/evidence-bundle@1";

const b64hash = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "a base64 SHA-256 hash");

const checkpointSchema = z.looseObject({
  type: z.literal("checkpoint"),
  chain_id: z.string(),
  seq: z.number().int().positive(),
  hash: z.string(),
  ts: z.string(),
  tree_size: z.number().int().positive(),
  root: b64hash,
  note: z.string(),
  key_id: z.string(),
  sig: z.string(),
});

const erasureSchema = z.looseObject({
  type: z.literal("erasure"),
  chain_id: z.string(),
  events: z.array(z.object({ seq: z.number().int().positive(), content_hash: z.string() })),
  at: z.string(),
  by: z.string(),
  reason: z.string().optional(),
  key_id: z.string(),
  sig: z.string(),
});

export const bundleSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  created_at: z.string(),
  created_by: z.string(),
  /** What was asked for: the selection the events answer. */
  query: z.record(z.string(), z.string()),
  /** The writers' public keys, for reference only: a verifier trusts a copy it got elsewhere. */
  public_keys: z.array(z.object({ key_id: z.string(), pem: z.string() })),
  checkpoints: z.array(checkpointSchema),
  events: z.array(
    z.object({
      /** The event as the trail stores it (a tombstone stays a tombstone). */
      event: z.looseObject({ id: z.string(), chain_id: z.string(), seq: z.number().int().positive(), hash: z.string() }),
      /** Leaf index (seq − 1) in the chain's tree of `tree_size` leaves, and the audit path. */
      index: z.number().int().nonnegative(),
      tree_size: z.number().int().positive(),
      proof: z.array(b64hash),
      tlog_proof: z.string(),
    }),
  ),
  erasures: z.array(erasureSchema),
  /** Witness cosignature lines on a checkpoint note, where a witness cosigned it. */
  cosignatures: z.array(z.object({ chain_id: z.string(), tree_size: z.number().int().positive(), lines: z.array(z.string()) })).default([]),
  /** Selected events no signed checkpoint covers yet (the writer signs within its interval). */
  unproven: z.array(z.object({ id: z.string(), chain_id: z.string(), seq: z.number(), reason: z.string() })).default([]),
});

export type EvidenceBundle = z.infer<typeof bundleSchema>;
export type BundleCheckpoint = z.infer<typeof checkpointSchema>;
export type BundleEvent = EvidenceBundle["events"][number];

/** C2SP tlog-proof: `c2sp.org/tlog-proof@v1`, the index, the path, a blank line, the checkpoint. */
export function tlogProof(index: number, proof: readonly string[], note: string): string {
  return `c2sp.org/tlog-proof@v1\nindex ${index}\n${proof.map((p) => `${p}\n`).join("")}\n${note}`;
}
