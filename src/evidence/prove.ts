/**
 * `prove(dir, selection)`: the evidence bundle for the events a selection names. For each chain
 * involved it takes the newest checkpoint signed by a trusted key, reads the chain's tree from its
 * tree files (tree-files.ts) — or, when those are missing or disagree with the signed root, rebuilds
 * it from the segments — and computes each event's inclusion proof. The bundle is verified before
 * it is returned, so a bundle that leaves here checks out.
 */
import type { KeyObject } from "node:crypto";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { checkpointValid, readCheckpoints, type Checkpoint } from "../integrity/checkpoints.js";
import type { ErasureRecord } from "../integrity/erasure-records.js";
import { publicKeyPem } from "../integrity/keys.js";
import { eventLeaf } from "../integrity/merkle.js";
import { noteProblem } from "../integrity/record-checks.js";
import { StoredTree } from "../integrity/tree-files.js";
import { trustedKeysFor } from "../integrity/trust.js";
import { VERSION } from "../version.js";
import { BUNDLE_FORMAT, tlogProof, type BundleCheckpoint, type EvidenceBundle } from "./bundle.js";
import { segmentsByChain, selectEvents, type Selection } from "./select.js";
import { lineBlocks, splitLines } from "../format/line-reader.js";
import { verifyBundle } from "./verify-bundle.js";
import { cosignaturesFor } from "../witness/http-witness.js";

export interface ProveOptions {
  /** The writer's public key; else AGENT_AUDIT_PUBLIC_KEY, else the local key store (as verify). */
  publicKey?: KeyObject | string;
  /** Cosignature lines per chain and tree size, when a witness cosigned (cosignatures.ts). */
  cosignatures?: (chainId: string, treeSize: number) => string[];
  /** Called with the number of selected events read so far (a progress line). */
  onProgress?: (events: number) => void;
}

export class ProveError extends Error {}

export async function prove(dir: string, selection: Selection, options: ProveOptions = {}): Promise<EvidenceBundle> {
  const { keys } = trustedKeysFor(options.publicKey);
  if (keys.size === 0) throw new ProveError("no trusted public key to pick signed checkpoints with: pass --public-key <key.pem>, set AGENT_AUDIT_PUBLIC_KEY, or pin the trail's key with `agent-audit trust add`");
  const byChain = new Map<string, AuditEvent[]>();
  let selected = 0;
  for await (const e of selectEvents(dir, selection)) {
    byChain.set(e.chain_id, [...(byChain.get(e.chain_id) ?? []), e]);
    if (++selected % 1024 === 0) options.onProgress?.(selected);
  }
  const bundle: EvidenceBundle = { format: BUNDLE_FORMAT, created_at: new Date().toISOString(), created_by: `agent-audit-trail ${VERSION}`, query: describeSelection(selection), public_keys: [], checkpoints: [], events: [], erasures: [], cosignatures: [], unproven: [] };
  const usedKeys = new Map<string, KeyObject>();
  for (const [chain, events] of byChain) {
    const records = readCheckpoints(dir, chain).filter((r): r is Checkpoint => !("bad" in r));
    const checkpoint = newestSigned(records, chain, keys);
    if (!checkpoint) {
      for (const e of events) bundle.unproven.push({ id: e.id, chain_id: chain, seq: e.seq, reason: "no checkpoint of its chain is signed by a trusted key" });
      continue;
    }
    usedKeys.set(checkpoint.key_id, keys.get(checkpoint.key_id)!);
    const size = checkpoint.tree_size;
    const { tree, why } = await treeFor(dir, chain, size, Buffer.from(checkpoint.root, "base64"));
    bundle.checkpoints.push(checkpoint);
    const cosigned = options.cosignatures ? options.cosignatures(chain, size) : cosignaturesFor(dir, chain, size, checkpoint.root);
    if (cosigned.length) bundle.cosignatures.push({ chain_id: chain, tree_size: size, lines: cosigned });
    const erasures = records.filter((r) => (r as unknown as { type: string }).type === "erasure") as unknown as ErasureRecord[];
    for (const e of events) {
      if (e.seq > size) {
        bundle.unproven.push({ id: e.id, chain_id: chain, seq: e.seq, reason: `after the newest signed checkpoint (tree size ${size}): the writer signs it within its checkpoint interval, or run agent-audit repair on a stopped trail` });
        continue;
      }
      if (!tree) {
        bundle.unproven.push({ id: e.id, chain_id: chain, seq: e.seq, reason: why });
        continue;
      }
      const proof = tree.inclusionProof(e.seq - 1, size).map((h) => h.toString("base64"));
      bundle.events.push({ event: e as unknown as EvidenceBundle["events"][number]["event"], index: e.seq - 1, tree_size: size, proof, tlog_proof: tlogProof(e.seq - 1, proof, [checkpoint.note, ...cosigned].join("")) });
      if (e.erased) {
        const record = erasures.find((r) => r.events.some((x) => x.seq === e.seq));
        if (record && !bundle.erasures.includes(record as never)) bundle.erasures.push(record as never);
      }
    }
  }
  if (usedKeys.size) {
    bundle.public_keys = [...usedKeys].map(([key_id, key]) => ({ key_id, pem: publicKeyPem(key) }));
    const check = verifyBundle(bundle, { publicKey: [...usedKeys.values()] });
    if (!check.ok) throw new ProveError(`the bundle built from ${dir} does not verify: ${check.failures.map((f) => f.reason).join("; ")}`);
  }
  return bundle;
}

function newestSigned(records: readonly Checkpoint[], chain: string, keys: ReadonlyMap<string, KeyObject>): BundleCheckpoint | undefined {
  // Newest first, and only until one verifies: a long chain has thousands of checkpoints.
  const candidates = records.filter((cp) => cp.type === "checkpoint" && cp.chain_id === chain && !cp.purged && cp.root && cp.note && cp.tree_size === cp.seq).sort((a, b) => b.seq - a.seq);
  return candidates.find((cp) => {
    const key = keys.get(cp.key_id);
    return key !== undefined && checkpointValid(key, cp) && noteProblem(cp, chain, key) === undefined;
  }) as BundleCheckpoint | undefined;
}

/** The chain's tree up to `size`, from its tree files when they agree with the signed root, else from the segments. */
async function treeFor(dir: string, chain: string, size: number, root: Buffer): Promise<{ tree?: StoredTree; why: string }> {
  const stored = StoredTree.read(dir, chain);
  if (stored && stored.size >= size && stored.root(0, size).equals(root)) return { tree: stored, why: "" };
  const purged = "its chain's tree cannot be rebuilt: older segments were purged (or are missing) and no tree file is left";
  const leaves: Buffer[] = [];
  for (const file of segmentsByChain(dir).get(chain) ?? []) {
    for await (const block of lineBlocks(join(dir, file))) {
      for (const line of splitLines(block)) {
      if (leaves.length >= size) break;
      if (line.length === 0) continue;
      let e: AuditEvent;
      try {
        e = JSON.parse(line.toString("utf8")) as AuditEvent;
      } catch {
        continue;
      }
      // The tree needs every leaf from seq 1: a purged or damaged chain cannot give one.
      if (e.seq !== leaves.length + 1 || !e.hash) return { why: purged };
      leaves.push(eventLeaf(e.hash));
      }
    }
  }
  if (leaves.length < size) return { why: purged };
  const rebuilt = new StoredTree(Buffer.concat(leaves));
  if (!rebuilt.root(0, size).equals(root)) return { why: `its chain's events no longer match the signed checkpoint at size ${size} (run agent-audit verify)` };
  return { tree: rebuilt, why: "" };
}

function describeSelection(s: Selection): Record<string, string> {
  const q: Record<string, string> = {};
  if (s.eventId !== undefined) q.event = s.eventId;
  if (s.sessionId !== undefined) q.session = s.sessionId;
  if (s.userId !== undefined) q.user = s.userId;
  if (s.since) q.since = s.since.toISOString();
  if (s.until) q.until = s.until.toISOString();
  return q;
}
