/**
 * `verifyBundle(json, { publicKey })`: checks an evidence bundle offline, with a key the verifier
 * trusts (never the copy inside the bundle), and names every event that fails:
 *
 *   - each checkpoint: signed by a trusted key, its C2SP note signed too and saying the same;
 *   - each event: its content and envelope hashes (an edited event fails here), its leaf's inclusion
 *     proof to its chain's signed root (a swapped or altered proof fails here), and the C2SP
 *     tlog-proof text saying the same as the JSON;
 *   - each tombstone: covered by a signed erasure record with the content_hash the chain holds.
 *
 * What a bundle cannot show: that no other event of the session exists. It proves each event it
 * holds is in a signed, append-only log; completeness needs the trail (agent-audit verify).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import type { AuditEvent } from "../events/schema.js";
import { checkpointValid, type Checkpoint } from "../integrity/checkpoints.js";
import type { ErasureRecord } from "../integrity/erasure-records.js";
import { keyId } from "../integrity/keys.js";
import { eventLeaf, verifyInclusion } from "../integrity/merkle.js";
import { erasureProblem, noteProblem } from "../integrity/record-checks.js";
import { contentHash, envelopeHash } from "../integrity/seal.js";
import { parseWitnessVerifierKey, verifyCosignature } from "../witness/cosignature.js";
import { bundleSchema, tlogProof, type BundleCheckpoint, type EvidenceBundle } from "./bundle.js";

export type BundleFailureKind = "malformed" | "untrusted_key" | "forged_checkpoint" | "forged_erasure" | "modified" | "bad_proof" | "no_checkpoint" | "uncosigned";

export interface BundleFailure {
  kind: BundleFailureKind;
  /** The event that fails (id, chain, seq), where the failure is an event's. */
  id?: string;
  chain_id?: string;
  seq?: number;
  reason: string;
}

export interface BundleReport {
  ok: boolean;
  /** Events in the bundle, and how many of them verified. */
  events: number;
  verified: number;
  failures: BundleFailure[];
  /** Per chain, the trusted witnesses whose cosignature on its checkpoint verified. */
  cosigned_by: Record<string, string[]>;
  /** Events the bundle itself says it could not prove (not yet under a signed checkpoint). */
  unproven: EvidenceBundle["unproven"];
  query: Record<string, string>;
}

export interface VerifyBundleOptions {
  /** The writer's public key(s) (PEM or KeyObject) the verifier trusts. */
  publicKey: KeyObject | string | ReadonlyArray<KeyObject | string>;
  /**
   * Witnesses the verifier trusts (their verifier keys, `name+id+base64`): each must have cosigned
   * the checkpoint of every chain in the bundle (`uncosigned` otherwise).
   */
  witnessKeys?: readonly string[];
}

export function verifyBundle(input: string | unknown, options: VerifyBundleOptions): BundleReport {
  const report: BundleReport = { ok: false, events: 0, verified: 0, failures: [], cosigned_by: {}, unproven: [], query: {} };
  let raw = input;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (err) {
      report.failures.push({ kind: "malformed", reason: `the bundle is not JSON: ${(err as Error).message}` });
      return report;
    }
  }
  const parsed = bundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    report.failures.push({ kind: "malformed", reason: `not an evidence bundle: ${issues.join("; ")}` });
    return report;
  }
  const bundle = parsed.data;
  report.events = bundle.events.length;
  report.unproven = bundle.unproven;
  report.query = bundle.query;
  const keys = new Map<string, KeyObject>();
  for (const k of ([] as Array<KeyObject | string>).concat(options.publicKey as never)) {
    const key = typeof k === "string" ? createPublicKey(k) : k;
    keys.set(keyId(key), key);
  }
  const fail = (f: BundleFailure) => report.failures.push(f);

  // chain → tree size → checkpoint that verified.
  const trees = new Map<string, Map<number, BundleCheckpoint>>();
  for (const cp of bundle.checkpoints) {
    const key = keys.get(cp.key_id);
    if (!key) {
      fail({ kind: "untrusted_key", chain_id: cp.chain_id, reason: `the checkpoint of chain ${cp.chain_id} is signed by key ${cp.key_id}, which is not the key given to verify with` });
      continue;
    }
    const bad = !checkpointValid(key, cp as Checkpoint) ? "a bad signature" : noteProblem(cp as Checkpoint, cp.chain_id, key);
    if (bad || cp.tree_size !== cp.seq) {
      fail({ kind: "forged_checkpoint", chain_id: cp.chain_id, reason: `the checkpoint of chain ${cp.chain_id} at size ${cp.tree_size}: ${bad ?? "its tree size is not its seq"}` });
      continue;
    }
    trees.set(cp.chain_id, (trees.get(cp.chain_id) ?? new Map()).set(cp.tree_size, cp));
  }
  // chain → seq → the signed erasure covering it.
  const erasures = new Map<string, Map<number, { content_hash: string; record: ErasureRecord }>>();
  for (const r of bundle.erasures as unknown as ErasureRecord[]) {
    const key = keys.get(r.key_id);
    if (!key || !checkpointValid(key, r as unknown as Checkpoint)) {
      fail({ kind: "forged_erasure", chain_id: r.chain_id, reason: `an erasure record of chain ${r.chain_id} is not signed by a trusted key` });
      continue;
    }
    const bySeq = erasures.get(r.chain_id) ?? new Map();
    for (const ev of r.events) bySeq.set(ev.seq, { content_hash: ev.content_hash, record: r });
    erasures.set(r.chain_id, bySeq);
  }
  const cosigned = new Map(bundle.cosignatures.map((c) => [`${c.chain_id}/${c.tree_size}`, c.lines]));

  // Trusted witnesses: each must have cosigned every chain's checkpoint (a key with a bad line fails too).
  const witnesses = (options.witnessKeys ?? []).map((v) => parseWitnessVerifierKey(v));
  for (const [chain, bySize] of trees) {
    for (const [size, cp] of bySize) {
      const lines = bundle.cosignatures.find((c) => c.chain_id === chain && c.tree_size === size)?.lines ?? [];
      const by = witnesses.filter((w) => lines.some((l) => verifyCosignature(cp.note, l.trimEnd(), w).ok)).map((w) => w.name);
      report.cosigned_by[chain] = by;
      for (const w of witnesses) if (!by.includes(w.name)) fail({ kind: "uncosigned", chain_id: chain, reason: `the checkpoint of chain ${chain} at size ${size} carries no valid cosignature by witness ${w.name}` });
    }
  }
  for (const item of bundle.events) {
    const e = item.event as unknown as AuditEvent;
    const who = { id: e.id, chain_id: e.chain_id, seq: e.seq };
    const cp = trees.get(e.chain_id)?.get(item.tree_size);
    if (!cp) {
      fail({ kind: "no_checkpoint", ...who, reason: `event ${e.id}: no trusted, valid checkpoint of chain ${e.chain_id} at size ${item.tree_size} in the bundle` });
      continue;
    }
    const content = e.erased ? erasureProblem(e, erasures.get(e.chain_id) ?? new Map()) : !e.salt || !e.content_hash || contentHash(e.salt, e) !== e.content_hash ? "its content does not match its content_hash" : undefined;
    if (content) {
      fail({ kind: e.erased ? "forged_erasure" : "modified", ...who, reason: `event ${e.id}: ${content}` });
      continue;
    }
    if (envelopeHash(e) !== e.hash) {
      fail({ kind: "modified", ...who, reason: `event ${e.id}: its envelope does not match its hash` });
      continue;
    }
    const proof = item.proof.map((p) => Buffer.from(p, "base64"));
    if (item.index !== e.seq - 1 || !verifyInclusion(item.index, item.tree_size, eventLeaf(e.hash), proof, Buffer.from(cp.root, "base64"))) {
      fail({ kind: "bad_proof", ...who, reason: `event ${e.id}: its inclusion proof does not lead to the signed root of chain ${e.chain_id} at size ${item.tree_size}` });
      continue;
    }
    const lines = cosigned.get(`${e.chain_id}/${item.tree_size}`) ?? [];
    if (item.tlog_proof !== tlogProof(item.index, item.proof, [cp.note, ...lines].join(""))) {
      fail({ kind: "bad_proof", ...who, reason: `event ${e.id}: its tlog-proof text differs from its proof and checkpoint` });
      continue;
    }
    report.verified++;
  }
  report.ok = report.failures.length === 0;
  return report;
}
