/**
 * The trail's side of an HTTP witness (`integrity: { witness: "https://witness.example/" }`):
 * each checkpoint's C2SP note goes to the witness's `add-checkpoint` with the consistency proof
 * from the size the witness last cosigned for that chain. That is usually the previous checkpoint,
 * whose proof the checkpoint already carries; after a 409 (the witness holds another size, e.g. it
 * missed some while down) the proof is computed from the chain's tree files. Cosignatures are kept
 * beside the checkpoints, `.digests/<chain>.cosignatures.jsonl`, for evidence bundles.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointOrigin, type Checkpoint } from "../integrity/checkpoints.js";
import { StoredTree } from "../integrity/tree-files.js";
import { addCheckpoint } from "./client.js";
import type { WitnessKey } from "./cosignature.js";
import type { WitnessTarget } from "./queue.js";
import { parseCheckpointNote } from "./request.js";
import { originHash } from "./state.js";

export const cosignaturesFile = (dir: string, chainId: string) => join(dir, ".digests", `${chainId}.cosignatures.jsonl`);

export interface Cosigned {
  tree_size: number;
  root: string;
  witness: string;
  lines: string[];
  at: string;
}

export interface HttpWitnessOptions {
  /** The trail directory whose tree files give proofs from any size (the first file directory). */
  trailDir: string;
  /** Only cosignatures that verify with this key are kept, when given. */
  witnessKey?: WitnessKey;
  timeoutMs?: number;
}

export function httpWitness(url: string, options: HttpWitnessOptions): WitnessTarget {
  const target = new URL(url);
  const label = `${target.protocol}//${target.host}${target.pathname.replace(/\/+$/, "")}`;
  // chain → the size the witness holds (0 until it says otherwise: a new chain is a new origin).
  const held = new Map<string, number>();
  return {
    label,
    keepsAll: false,
    async submit(cp) {
      if (!cp.note || !cp.root || cp.tree_size === undefined) return; // nothing a witness can cosign
      for (let tries = 0; tries < 3; tries++) {
        const old = held.get(cp.chain_id) ?? 0;
        if (old >= cp.tree_size) return; // it already holds this tree or a newer one
        const proof = proofFrom(old, cp, options.trailDir);
        if (!proof) return { rejected: `no consistency proof from the size it holds (${old}): the chain's tree files are missing or short` };
        const r = await addCheckpoint(target, { oldSize: old, proof, note: cp.note }, { timeoutMs: options.timeoutMs ?? 10_000, witness: options.witnessKey });
        if (r.status === "cosigned") {
          held.set(cp.chain_id, cp.tree_size);
          const entry: Cosigned = { tree_size: cp.tree_size, root: cp.root, witness: label, lines: r.cosignatures, at: new Date().toISOString() };
          mkdirSync(join(options.trailDir, ".digests"), { recursive: true, mode: 0o700 });
          appendFileSync(cosignaturesFile(options.trailDir, cp.chain_id), JSON.stringify(entry) + "\n", { mode: 0o600 });
          return;
        }
        if (r.status === "conflict") {
          held.set(cp.chain_id, r.size);
          continue;
        }
        // A witness that is overloaded or broken is retried; one that refused the checkpoint is not.
        if (r.code >= 500 || r.code === 429) throw new Error(`HTTP ${r.code}`);
        return { rejected: `HTTP ${r.code}: ${r.body.trim().slice(0, 200)}` };
      }
      throw new Error("the witness's size kept changing under us");
    },
  };
}

function proofFrom(old: number, cp: Checkpoint, trailDir: string): Buffer[] | undefined {
  if (old === 0) return [];
  if (cp.consistency?.from === old) return cp.consistency.proof.map((h) => Buffer.from(h, "base64"));
  const tree = StoredTree.read(trailDir, cp.chain_id);
  if (!tree || tree.size < cp.tree_size! || old > tree.size) return undefined;
  return tree.consistencyProof(old, cp.tree_size!);
}

/** The cosignature lines kept for a chain's tree of `size` with `root`. */
export function cosignaturesFor(trailDir: string, chainId: string, size: number, root: string): string[] {
  const file = cosignaturesFile(trailDir, chainId);
  if (!existsSync(file)) return [];
  const lines: string[] = [];
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (!text.trim()) continue;
    try {
      const c = JSON.parse(text) as Cosigned;
      if (c.tree_size === size && c.root === root) for (const l of c.lines) if (!lines.includes(l)) lines.push(l);
    } catch {
      // a torn line: skip it; the cosignatures are a convenience copy, the witness holds its own
    }
  }
  return lines;
}

/** What an HTTP witness holds for one chain: the tree head it last cosigned, as its note. */
export interface WitnessedHead {
  size: number;
  root: string;
  note: string;
}

/**
 * Asks an HTTP witness for the latest checkpoint it cosigned for each chain
 * (`GET /<hex sha256(origin)>/checkpoint`); chains it never saw are left out. A witness cannot be
 * asked which chains exist, so a chain deleted from the trail whose id nobody remembers is beyond
 * it (a directory or S3 witness lists them).
 */
export async function fetchWitnessedHeads(url: string, chains: readonly string[], timeoutMs = 10_000): Promise<Map<string, WitnessedHead>> {
  const out = new Map<string, WitnessedHead>();
  const base = url.replace(/\/+$/, "");
  for (const chain of chains) {
    const origin = checkpointOrigin(chain);
    const res = await fetch(`${base}/${originHash(origin)}/checkpoint`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 404) continue;
    if (!res.ok) throw new Error(`the witness at ${new URL(url).host} answered HTTP ${res.status} for chain ${chain}`);
    const note = await res.text();
    const parsed = parseCheckpointNote(note);
    if (!parsed.ok || parsed.value.origin !== origin) throw new Error(`the witness at ${new URL(url).host} sent an unreadable checkpoint for chain ${chain}`);
    out.set(chain, { size: Number(parsed.value.size), root: parsed.value.root.toString("base64"), note });
  }
  return out;
}
