/**
 * RFC 6962 / RFC 9162 Merkle trees over a chain's event hashes: the building block for signed tree
 * heads, offline inclusion proofs (evidence bundles) and consistency proofs between checkpoints.
 *
 *   leaf hash = SHA-256(0x00 ‖ data)        node hash = SHA-256(0x01 ‖ left ‖ right)
 *   MTH({}) = SHA-256()    MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * The domain separation (0x00 / 0x01) is what gives second-preimage resistance. Verification
 * follows RFC 9162 §2.1.3.2 and §2.1.4.2, and also insists on the exact proof length, so a proof
 * with extra or missing hashes is refused. Checked against transparency-dev/merkle's test vectors.
 */
import * as crypto from "node:crypto";
import { createHash } from "node:crypto";

export type Hash = Buffer;

// crypto.hash (Node ≥ 20.12) is a one-shot digest, several times cheaper than createHash for the
// 33- and 65-byte inputs of a tree: this runs for every event on the agent's thread.
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: "buffer") => Buffer }).hash;
const digest = oneShot ? (data: Uint8Array): Hash => oneShot("sha256", data, "buffer") : (data: Uint8Array): Hash => createHash("sha256").update(data).digest();
const binShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: "binary") => string }).hash;
const digestBin = binShot ? (data: Uint8Array): string => binShot("sha256", data, "binary") : (data: Uint8Array): string => createHash("sha256").update(data).digest("binary");
const EMPTY = createHash("sha256").digest();
const node = Buffer.alloc(65);
node[0] = 1;

export const emptyRoot = (): Hash => Buffer.from(EMPTY);
export const leafHash = (data: Uint8Array): Hash => {
  const buf = Buffer.allocUnsafe(data.length + 1);
  buf[0] = 0;
  buf.set(data, 1);
  return digest(buf);
};
export const nodeHash = (left: Hash, right: Hash): Hash => {
  if (left.length !== 32 || right.length !== 32) {
    const buf = Buffer.concat([Buffer.from([1]), left, right]);
    return digest(buf);
  }
  node.set(left, 1);
  node.set(right, 33);
  return digest(node);
};

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes [from, to). */
export function rootOf(leaves: readonly Hash[], from = 0, to = leaves.length): Hash {
  const n = to - from;
  if (n === 0) return emptyRoot();
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return nodeHash(rootOf(leaves, from, from + k), rootOf(leaves, from + k, to));
}

/** PATH(m, D[n]): the audit path of leaf `index` in the tree of `leaves`. */
export function inclusionProof(index: number, leaves: readonly Hash[], from = 0, to = leaves.length): Hash[] {
  const n = to - from;
  if (index < 0 || index >= n) throw new RangeError(`leaf ${index} is not in a tree of ${n}`);
  if (n === 1) return [];
  const k = split(n);
  return index < k
    ? [...inclusionProof(index, leaves, from, from + k), rootOf(leaves, from + k, to)]
    : [...inclusionProof(index - k, leaves, from + k, to), rootOf(leaves, from, from + k)];
}

/** PROOF(m, D[n]): that the tree of the first `m` leaves is a prefix of the tree of all of them. */
export function consistencyProof(m: number, leaves: readonly Hash[]): Hash[] {
  const n = leaves.length;
  if (m < 0 || m > n) throw new RangeError(`size ${m} is not within a tree of ${n}`);
  if (m === 0 || m === n) return [];
  const sub = (m: number, from: number, to: number, whole: boolean): Hash[] => {
    const n = to - from;
    if (m === n) return whole ? [] : [rootOf(leaves, from, to)];
    const k = split(n);
    return m <= k ? [...sub(m, from, from + k, whole), rootOf(leaves, from + k, to)] : [...sub(m - k, from + k, to, false), rootOf(leaves, from, from + k)];
  };
  return sub(m, 0, n, true);
}

const bitLength = (x: bigint): number => x.toString(2).length - (x === 0n ? 1 : 0);
const popCount = (x: bigint): number => [...x.toString(2)].filter((c) => c === "1").length;

/** How many hashes an inclusion proof of `index` in a tree of `size` has. */
function inclusionLength(index: bigint, size: bigint): number {
  const inner = bitLength(index ^ (size - 1n));
  return inner + popCount(index >> BigInt(inner));
}

/** RFC 9162 §2.1.3.2: does `proof` put `leaf` at `index` of the tree of `size` with `root`? */
export function verifyInclusion(index: number | bigint, size: number | bigint, leaf: Hash, proof: readonly Hash[], root: Hash): boolean {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn || fn < 0n || leaf.length !== 32 || root.length !== 32 || proof.some((p) => p.length !== 32)) return false;
  if (proof.length !== inclusionLength(fn, sn + 1n)) return false;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && r.equals(root);
}

/** RFC 9162 §2.1.4.2: is the tree of `size2` with `root2` an extension of the one of `size1` with `root1`? */
export function verifyConsistency(size1: number | bigint, size2: number | bigint, root1: Hash, root2: Hash, proof: readonly Hash[]): boolean {
  const m = BigInt(size1);
  const n = BigInt(size2);
  if (m < 0n || m > n || proof.some((p) => p.length !== 32)) return false;
  // Equal sizes: nothing to prove but the roots being equal (and the empty tree's being SHA-256()).
  if (m === n) return proof.length === 0 && root1.equals(root2) && (m !== 0n || root1.equals(emptyRoot()));
  // From the empty tree a proof proves nothing, so none is accepted (as transparency-dev/merkle does).
  if (m === 0n) return false;
  if (proof.length === 0) return false;
  // When size1 is a power of two, its root is the first node of the path and is not sent.
  const path = (m & (m - 1n)) === 0n ? [root1, ...proof] : [...proof];
  let fn = m - 1n;
  let sn = n - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && fr.equals(root1) && sr.equals(root2);
}

/** Leaves under one stored interior node (a C2SP tlog-tiles tile is 256 hashes wide too). */
export const TILE_WIDTH = 256;

export interface FrontierSnapshot {
  size: number;
  /** Roots of the perfect subtrees covering [0, size), largest first, with their widths. */
  roots: Hash[];
  sizes: number[];
}

/**
 * PROOF(m, D[n]) computed from the compact range at m and only the leaves after it: the writer
 * keeps no more than the leaves since its last checkpoint. Every node of a consistency proof that
 * lies wholly inside the old tree is a union of the old frontier's perfect subtrees (the recursion
 * only stops inside the old tree at whole aligned ranges), so nothing before m is needed.
 */
export function consistencyProofFrom(old: FrontierSnapshot, after: readonly Hash[]): Hash[] {
  const m = old.size;
  const n = m + after.length;
  if (m === 0 || m === n) return [];
  const starts: number[] = [];
  let at = 0;
  for (const w of old.sizes) {
    starts.push(at);
    at += w;
  }
  const rangeRoot = (from: number, to: number): Hash => {
    if (from >= m) return rootOf(after, from - m, to - m);
    if (to <= m) {
      // A right fold of the frontier subtrees covering [from, to), as MerkleFrontier.root() does.
      const i = starts.indexOf(from);
      let j = i;
      while (j < starts.length && starts[j]! + old.sizes[j]! < to) j++;
      if (i < 0 || j >= starts.length || starts[j]! + old.sizes[j]! !== to) throw new Error(`range [${from}, ${to}) is not made of the old tree's subtrees`);
      let r = old.roots[j]!;
      for (let k = j - 1; k >= i; k--) r = nodeHash(old.roots[k]!, r);
      return r;
    }
    const k = split(to - from);
    return nodeHash(rangeRoot(from, from + k), rangeRoot(from + k, to));
  };
  const sub = (size: number, from: number, to: number, whole: boolean): Hash[] => {
    const width = to - from;
    if (size === width) return whole ? [] : [rangeRoot(from, to)];
    const k = split(width);
    return size <= k ? [...sub(size, from, from + k, whole), rangeRoot(from + k, to)] : [...sub(size - k, from + k, to, false), rangeRoot(from, from + k)];
  };
  return sub(m, 0, n, true);
}

/**
 * The right edge of a growing tree (a compact range): O(log n) subtree roots, enough to give the
 * root of everything pushed so far. Each push costs one leaf hash and, amortised, one node hash.
 * It runs for every event, on the agent's thread and in verify, so it keeps its hashes as 32-char
 * latin1 strings: Node hands a digest back as a string about three times faster than as a Buffer.
 */
export class MerkleFrontier {
  /** Roots of perfect subtrees, largest first; `sizes[i]` leaves under `roots[i]`. */
  private readonly roots: string[] = [];
  private readonly sizes: number[] = [];
  size = 0;

  /** Adds a leaf; answers the root of the 256-leaf subtree this leaf completes, if it completes one. */
  push(leaf: Hash | string): Hash | undefined {
    let node = typeof leaf === "string" ? leaf : leaf.toString("latin1");
    let width = 1;
    let tile: string | undefined;
    while (this.sizes.length && this.sizes[this.sizes.length - 1] === width) {
      node = nodeBin(this.roots.pop()!, node);
      this.sizes.pop();
      width *= 2;
      if (width === TILE_WIDTH) tile = node;
    }
    this.roots.push(node);
    this.sizes.push(width);
    this.size++;
    return tile === undefined ? undefined : Buffer.from(tile, "latin1");
  }

  root(): Hash {
    if (this.roots.length === 0) return emptyRoot();
    let r = this.roots[this.roots.length - 1]!;
    for (let i = this.roots.length - 2; i >= 0; i--) r = nodeBin(this.roots[i]!, r);
    return Buffer.from(r, "latin1");
  }

  /** The compact range as it stands: what a consistency proof from this size is computed from. */
  snapshot(): FrontierSnapshot {
    return { size: this.size, roots: this.roots.map((r) => Buffer.from(r, "latin1")), sizes: [...this.sizes] };
  }
}

/** The leaf of a chain's tree for one event: its `hash`, as 32 raw bytes. */
const leafBuf = Buffer.alloc(33);
export const eventLeaf = (eventHash: string): Hash => {
  leafBuf.write(eventHash, 1, "hex");
  return digest(leafBuf);
};

/** The same leaf as a 32-char latin1 string, the frontier's own form (see MerkleFrontier). */
export const eventLeafBin = (eventHash: string): string => {
  leafBuf.write(eventHash, 1, "hex");
  return digestBin(leafBuf);
};

const scratch = Buffer.alloc(65);
scratch[0] = 1;
function nodeBin(left: string, right: string): string {
  scratch.write(left, 1, "latin1");
  scratch.write(right, 33, "latin1");
  return digestBin(scratch);
}
