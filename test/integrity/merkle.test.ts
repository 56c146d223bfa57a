// The RFC 6962 Merkle tree against published vectors (transparency-dev/merkle, vendored in
// test/fixtures/merkle-vectors.json with its source, commit and license; refreshed by
// scripts/refresh-merkle-vectors.mjs), and against a naive recomputation on random trees.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { consistencyProof, emptyRoot, inclusionProof, leafHash, rootOf, verifyConsistency, verifyInclusion } from "../../src/integrity/merkle.js";

interface Vectors {
  source: string;
  commit: string;
  license: string;
  reference_tree: { leaf_inputs_hex: string[]; roots_hex_by_size: string[] };
  inclusion: Array<{ file: string; leafIdx: number; treeSize: number; root: string | null; leafHash: string | null; proof: string[] | null; desc: string; wantErr: boolean }>;
  consistency: Array<{ file: string; size1: number; size2: number; root1: string | null; root2: string | null; proof: string[] | null; desc: string; wantErr: boolean }>;
}
const vectors = JSON.parse(readFileSync(new URL("../fixtures/merkle-vectors.json", import.meta.url), "utf8")) as Vectors;
const b64 = (s: string | null) => Buffer.from(s ?? "", "base64");

describe("RFC 6962 Merkle trees", () => {
  it("vendored vectors say where they come from", () => {
    expect(vectors).toMatchObject({ source: "https://github.com/transparency-dev/merkle", license: "Apache-2.0" });
    expect(vectors.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(vectors.inclusion.length).toBeGreaterThan(50);
    expect(vectors.consistency.length).toBeGreaterThan(50);
  });

  it("roots of the reference tree, for every size 0..8", () => {
    const leaves = vectors.reference_tree.leaf_inputs_hex.map((h) => leafHash(Buffer.from(h, "hex")));
    for (let n = 0; n <= 8; n++) expect(rootOf(leaves.slice(0, n)).toString("hex"), `size ${n}`).toBe(vectors.reference_tree.roots_hex_by_size[n]);
    expect(emptyRoot().toString("base64")).toBe("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  });

  it.each(vectors.inclusion.map((v) => [v.file, v] as const))("inclusion probe %s", (_file, v) => {
    const ok = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it.each(vectors.consistency.map((v) => [v.file, v] as const))("consistency probe %s", (_file, v) => {
    const ok = verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof ?? []).map(b64));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it("proofs we generate verify, on random trees, for every leaf and every prefix; a flipped bit never does", () => {
    for (const n of [1, 2, 3, 5, 7, 8, 9, 16, 17, 31, 33]) {
      const leaves = Array.from({ length: n }, () => leafHash(randomBytes(8)));
      const root = rootOf(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, leaves);
        expect(verifyInclusion(i, n, leaves[i]!, proof, root)).toBe(true);
        if (proof.length) {
          const bad = proof.map((p) => Buffer.from(p));
          bad[0]![0]! ^= 1;
          expect(verifyInclusion(i, n, leaves[i]!, bad, root)).toBe(false);
        }
      }
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, leaves);
        expect(verifyConsistency(m, n, rootOf(leaves.slice(0, m)), root, proof), `${m} of ${n}`).toBe(true);
        if (m > 0 && m < n) expect(verifyConsistency(m, n, rootOf(leaves.slice(0, m)), root, proof.slice(1))).toBe(false);
      }
    }
  });

  it("the RFC's own examples: the audit paths and consistency proofs of a 7-leaf tree (RFC 6962 §2.1.3, its labels)", () => {
    const leaves = Array.from({ length: 7 }, (_, n) => leafHash(Buffer.from([n])));
    // The RFC labels the leaves a–f and j, and the inner nodes g, h, i, k, l.
    const [a, b, c, d, e, f, j] = leaves as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const g = rootOf([a, b]);
    const h = rootOf([c, d]);
    const i = rootOf([e, f]);
    const k = rootOf([a, b, c, d]);
    const l = rootOf([e, f, j]);
    const hex = (xs: Buffer[]) => xs.map((x) => x.toString("hex"));
    expect(hex(inclusionProof(0, leaves))).toEqual(hex([b, h, l]));
    expect(hex(inclusionProof(3, leaves))).toEqual(hex([c, g, l]));
    expect(hex(inclusionProof(4, leaves))).toEqual(hex([f, j, k]));
    expect(hex(inclusionProof(6, leaves))).toEqual(hex([i, k]));
    expect(hex(consistencyProof(3, leaves))).toEqual(hex([c, d, g, l]));
    expect(hex(consistencyProof(4, leaves))).toEqual(hex([l]));
    expect(hex(consistencyProof(6, leaves))).toEqual(hex([i, j, k]));
  });
});

describe("MerkleFrontier", () => {
  it("gives the same root as the whole tree at every size", async () => {
    const { MerkleFrontier } = await import("../../src/integrity/merkle.js");
    const f = new MerkleFrontier();
    const leaves: Buffer[] = [];
    expect(f.root().equals(emptyRoot())).toBe(true);
    for (let n = 1; n <= 70; n++) {
      const leaf = leafHash(randomBytes(4));
      leaves.push(leaf);
      f.push(leaf);
      expect(f.root().equals(rootOf(leaves)), `size ${n}`).toBe(true);
    }
  });
});
