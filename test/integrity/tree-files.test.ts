// Consistency proofs from a compact range, the writer's tree window and the tree files, and the
// StoredTree's proofs, each against the naive recursive definitions in merkle.ts.
import { describe, expect, it } from "vitest";
import { readFileSync, rmSync, statSync, truncateSync, mkdirSync } from "node:fs";
import { tempDir } from "../helpers.js";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { consistencyProof, consistencyProofFrom, inclusionProof, leafHash, MerkleFrontier, rootOf, verifyConsistency, verifyInclusion, TILE_WIDTH } from "../../src/integrity/merkle.js";
import { leavesFile, StoredTree, tilesFile, TreeWindow } from "../../src/integrity/tree-files.js";

const leavesOf = (n: number) => Array.from({ length: n }, () => leafHash(randomBytes(8)));
const hex = (hs: Buffer[]) => hs.map((h) => h.toString("hex"));

describe("consistencyProofFrom", () => {
  it("equals PROOF(m, D[n]) for every m < n ≤ 70, from the old frontier and the new leaves only", () => {
    const all = leavesOf(70);
    for (let m = 1; m < 70; m++) {
      const f = new MerkleFrontier();
      for (const l of all.slice(0, m)) f.push(l);
      const snap = f.snapshot();
      for (let n = m + 1; n <= 70; n += 3) {
        const proof = consistencyProofFrom(snap, all.slice(m, n));
        expect(hex(proof), `m=${m} n=${n}`).toEqual(hex(consistencyProof(m, all.slice(0, n))));
        expect(verifyConsistency(m, n, rootOf(all.slice(0, m)), rootOf(all.slice(0, n)), proof)).toBe(true);
      }
    }
  });

  it("holds across tile boundaries and large random sizes", () => {
    const all = leavesOf(3000);
    for (const [m, n] of [[255, 257], [256, 512], [1000, 2999], [513, 3000], [1, 3000], [2048, 2049]] as const) {
      const f = new MerkleFrontier();
      for (const l of all.slice(0, m)) f.push(l);
      expect(hex(consistencyProofFrom(f.snapshot(), all.slice(m, n)))).toEqual(hex(consistencyProof(m, all.slice(0, n))));
    }
  });
});

describe("TreeWindow and StoredTree", () => {
  it("extends the tree files at each checkpoint; proofs from them verify against the frontier's roots", () => {
    const dir = tempDir("aat-tree-");
    try {
      mkdirSync(join(dir, ".digests"));
      const chain = "00000000-0000-4000-8000-000000000001";
      const f = new MerkleFrontier();
      const w = new TreeWindow(() => f.snapshot());
      const all: Buffer[] = [];
      const roots = new Map<number, Buffer>();
      let lastSize = 0;
      for (const step of [1, 300, 1, 255, 700, 2]) {
        for (let i = 0; i < step; i++) {
          const l = leafHash(randomBytes(8));
          all.push(l);
          w.add(l.toString("latin1"), f.push(l));
        }
        const c = w.consistency();
        if (lastSize) {
          expect(c?.from).toBe(lastSize);
          expect(verifyConsistency(lastSize, f.size, roots.get(lastSize)!, f.root(), c!.proof.map((p) => Buffer.from(p, "base64")))).toBe(true);
        } else expect(c).toBeUndefined();
        roots.set(f.size, f.root());
        w.checkpointed(dir, chain, (e) => { throw e; });
        lastSize = f.size;
      }
      expect(statSync(leavesFile(dir, chain)).size).toBe(all.length * 32);
      expect(statSync(tilesFile(dir, chain)).size).toBe(Math.floor(all.length / TILE_WIDTH) * 32);
      const tree = StoredTree.read(dir, chain)!;
      expect(tree.size).toBe(all.length);
      for (const size of [1, 301, 557, all.length]) {
        expect(tree.root(0, size).equals(rootOf(all.slice(0, size)))).toBe(true);
        for (const i of [0, size - 1, Math.floor(size / 2)]) {
          const p = tree.inclusionProof(i, size);
          expect(hex(p)).toEqual(hex(inclusionProof(i, all.slice(0, size))));
          expect(verifyInclusion(i, size, all[i]!, p, rootOf(all.slice(0, size)))).toBe(true);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops extending files that an earlier failed write left short, rather than misalign them", () => {
    const dir = tempDir("aat-tree-");
    try {
      mkdirSync(join(dir, ".digests"));
      const chain = "00000000-0000-4000-8000-000000000002";
      const f = new MerkleFrontier();
      const w = new TreeWindow(() => f.snapshot());
      const push = (n: number) => { for (let i = 0; i < n; i++) { const l = leafHash(randomBytes(8)); w.add(l.toString("latin1"), f.push(l)); } };
      push(10);
      w.checkpointed(dir, chain, () => {});
      truncateSync(leavesFile(dir, chain), 5 * 32); // as a short write would
      push(10);
      w.checkpointed(dir, chain, () => {});
      expect(readFileSync(leavesFile(dir, chain)).length).toBe(5 * 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
