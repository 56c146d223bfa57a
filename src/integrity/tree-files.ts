/**
 * A chain's Merkle tree kept beside its checkpoints, so proofs need no re-reading of the trail:
 *
 *   .digests/<chain>.leaves   leaf hashes, 32 bytes each, leaf i at offset 32·i
 *   .digests/<chain>.tiles    the root of every complete aligned 256-leaf block, 32 bytes each
 *
 * Written by the writer at each checkpoint from what it already computed (no extra hashing, one
 * append per checkpoint, not per event). Derived data: never trusted. A proof built from these files
 * is checked against a signed root before anyone sees it, and when they are missing, short or wrong
 * (an old trail, a crash, a full disk, an attacker) the tree is rebuilt from the segments.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { consistencyProofFrom, nodeHash, TILE_WIDTH, type FrontierSnapshot, type Hash } from "./merkle.js";

export const leavesFile = (dir: string, chainId: string) => join(dir, ".digests", `${chainId}.leaves`);
export const tilesFile = (dir: string, chainId: string) => join(dir, ".digests", `${chainId}.tiles`);

/** More leaves than this waiting for a checkpoint (a disk full for hours) and the window gives up. */
const MAX_WINDOW = 1 << 20;

/**
 * The leaves sealed since a chain's last written checkpoint, with the compact range at that
 * checkpoint: enough for the next checkpoint's consistency proof and for extending the tree files.
 */
export class TreeWindow {
  private anchor: FrontierSnapshot = { size: 0, roots: [], sizes: [] };
  /** Leaf hashes as the frontier keeps them (32-char latin1 strings), turned into bytes once per checkpoint. */
  private leaves: string[] = [];
  private tiles: Hash[] = [];
  /** Set once a leaf was lost to the window (overflow): the tree files are then left incomplete. */
  private broken = false;

  constructor(private readonly snapshot: () => FrontierSnapshot) {}

  get size(): number {
    return this.anchor.size + this.leaves.length;
  }

  add(leaf: string, tile: Hash | undefined): void {
    if (this.leaves.length >= MAX_WINDOW) {
      this.broken = true;
      this.leaves = [];
      this.tiles = [];
      this.anchor = { size: this.anchor.size + MAX_WINDOW, roots: [], sizes: [] };
    }
    this.leaves.push(leaf);
    if (tile) this.tiles.push(tile);
  }

  /** PROOF(last checkpoint's size, now), or undefined where there is nothing to prove from. */
  consistency(): { from: number; proof: string[] } | undefined {
    if (this.anchor.size === 0 || this.anchor.roots.length === 0 || this.leaves.length === 0) return undefined;
    const bytes = this.leafBytes();
    const after = this.leaves.map((_, i) => bytes.subarray(32 * i, 32 * i + 32));
    return { from: this.anchor.size, proof: consistencyProofFrom(this.anchor, after).map((h) => h.toString("base64")) };
  }

  private leafBytes(): Buffer {
    return Buffer.from(this.leaves.join(""), "latin1");
  }

  /**
   * Appends the window to the tree files of `dir` (only if they hold exactly the tree up to the
   * window's start, so an earlier failed write never leaves them misaligned), then starts a new
   * window at the current size. Errors go to `onError`; the checkpoint itself is already written.
   */
  checkpointed(dir: string, chainId: string, onError: (err: unknown) => void): void {
    try {
      if (!this.broken) {
        const from = this.anchor.size;
        if (appendAt(leavesFile(dir, chainId), from * 32, [this.leafBytes()])) appendAt(tilesFile(dir, chainId), Math.floor(from / TILE_WIDTH) * 32, this.tiles);
        else this.broken = true;
      }
    } catch (err) {
      this.broken = true;
      onError(err);
    }
    this.anchor = this.snapshot();
    this.leaves = [];
    this.tiles = [];
  }
}

/** Appends hashes to a file that must be exactly `expected` bytes long; false when it is not. */
function appendAt(file: string, expected: number, hashes: readonly Hash[]): boolean {
  const fd = openSync(file, "a", 0o600);
  try {
    if (fstatSync(fd).size !== expected) return false;
    const buf = Buffer.concat(hashes);
    let at = 0;
    while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
    return true;
  } finally {
    closeSync(fd);
  }
}

/**
 * A chain's tree read back from its files (or from leaves rebuilt off the segments): any subtree
 * root, and inclusion proofs, computed with the stored 256-leaf roots wherever a whole block is
 * needed, so a proof in a tree of a million leaves costs a few thousand hashes, not a million.
 */
export class StoredTree {
  private readonly memo = new Map<string, Hash>();

  constructor(
    private readonly leaves: Buffer,
    private readonly tiles: Buffer = Buffer.alloc(0),
  ) {}

  static read(dir: string, chainId: string): StoredTree | undefined {
    const lf = leavesFile(dir, chainId);
    if (!existsSync(lf)) return undefined;
    const leaves = readFileSync(lf);
    const tf = tilesFile(dir, chainId);
    const tiles = existsSync(tf) && statSync(tf).size % 32 === 0 ? readFileSync(tf) : Buffer.alloc(0);
    return new StoredTree(leaves.subarray(0, leaves.length - (leaves.length % 32)), tiles);
  }

  get size(): number {
    return this.leaves.length / 32;
  }

  leaf(i: number): Hash {
    return this.leaves.subarray(32 * i, 32 * i + 32);
  }

  /** MTH over leaves [from, to). */
  root(from: number, to: number): Hash {
    const n = to - from;
    if (n === 1) return this.leaf(from);
    if (n === TILE_WIDTH && from % TILE_WIDTH === 0 && (from / TILE_WIDTH + 1) * 32 <= this.tiles.length) return this.tiles.subarray((from / TILE_WIDTH) * 32, (from / TILE_WIDTH) * 32 + 32);
    // Subtrees of a tree are identified by (from, to); big ones are shared by many proofs.
    const key = n >= TILE_WIDTH ? `${from}+${n}` : undefined;
    const hit = key ? this.memo.get(key) : undefined;
    if (hit) return hit;
    let k = 1;
    while (k * 2 < n) k *= 2;
    const r = nodeHash(this.root(from, from + k), this.root(from + k, to));
    if (key) this.memo.set(key, r);
    return r;
  }

  /** PATH(index, D[size]) (RFC 6962 §2.1.1), leaf sibling first. */
  inclusionProof(index: number, size: number): Hash[] {
    const path: Hash[] = [];
    let from = 0;
    let to = size;
    while (to - from > 1) {
      let k = 1;
      while (k * 2 < to - from) k *= 2;
      if (index < from + k) {
        path.push(this.root(from + k, to));
        to = from + k;
      } else {
        path.push(this.root(from, from + k));
        from += k;
      }
    }
    return path.reverse();
  }

  /** PROOF(m, D[n]) (RFC 6962 §2.1.2) over the stored tree, for a witness that holds size m. */
  consistencyProof(m: number, n: number): Hash[] {
    if (m <= 0 || m >= n) return [];
    const sub = (size: number, from: number, to: number, whole: boolean): Hash[] => {
      const width = to - from;
      if (size === width) return whole ? [] : [this.root(from, to)];
      let k = 1;
      while (k * 2 < width) k *= 2;
      return size <= k ? [...sub(size, from, from + k, whole), this.root(from + k, to)] : [...sub(size - k, from + k, to, false), this.root(from, from + k)];
    };
    return sub(m, 0, n, true);
  }
}
