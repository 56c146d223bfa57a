/**
 * Signed checkpoints, like CloudTrail's digest files: every N events or T seconds, and at shutdown,
 * the writer appends {chain, last seq, last hash, time} signed with Ed25519 to
 * `<dir>/.digests/<chain>.jsonl`. Truncating the trail, or replacing it wholesale with a
 * recomputed chain, no longer matches what was signed.
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { appendLineWhole } from "../format/append.js";
import { signNote } from "./signed-note.js";
import { join } from "node:path";
import { canonicalJson } from "./canonical.js";
import { keyId, publicKeyPem } from "./keys.js";
import type { TreeWindow } from "./tree-files.js";

export interface PurgedRange {
  segment: string;
  first_seq: number;
  last_seq: number;
  last_hash: string;
}

export interface Checkpoint {
  type: "checkpoint";
  chain_id: string;
  seq: number;
  hash: string;
  ts: string;
  /** Retention: segments removed on purpose, with where the chain continues. */
  purged?: PurgedRange[];
  /** Written by a later writer for a dead writer's chain it found unsealed: that writer's chain id. */
  sealed_by?: string;
  /** The writer's checkpointEvery and checkpointIntervalMs: how long its tail may go unsigned. */
  every?: number;
  interval_ms?: number;
  /** The writer's last checkpoint at a clean shutdown: no event of the chain may follow it. */
  final?: boolean;
  /** RFC 6962 tree over the chain's event hashes (leaf = SHA-256(0x00 ‖ hash)): its size and base64 root. */
  tree_size?: number;
  root?: string;
  /** The same tree head as a C2SP tlog-checkpoint signed note. */
  note?: string;
  /** RFC 6962 consistency proof from the previous checkpoint's tree (size `from`) to this one. */
  consistency?: { from: number; proof: string[] };
  key_id: string;
  sig: string;
}

export const digestDir = (dir: string) => join(dir, ".digests");
export const digestFile = (dir: string, chainId: string) => join(digestDir(dir), `${chainId}.jsonl`);
export const publicKeyFile = (dir: string) => join(digestDir(dir), "public-key.pem");

/** The C2SP origin line of a chain's checkpoints: a schema-less name, no spaces, no '+'. */
export const checkpointOrigin = (chainId: string) => `agent-audit-trail/${chainId}`;

/**
 * The chain's tree head as a C2SP tlog-checkpoint signed note: origin, tree size, base64 root, no
 * extension lines (time and chain metadata stay beside it, in the JSON line), signed with the
 * trail key under the origin's name. Transparency-log tools can check it without our code.
 */
export function checkpointNote(key: KeyObject, chainId: string, treeSize: number, root: string): string {
  const origin = checkpointOrigin(chainId);
  return signNote(`${origin}\n${treeSize}\n${root}\n`, origin, key);
}

export function signCheckpoint(key: KeyObject, body: Omit<Checkpoint, "sig" | "key_id" | "type">): Checkpoint {
  const unsigned = { type: "checkpoint" as const, ...body, key_id: keyId(key) };
  return { ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString("base64") };
}

export function checkpointValid(publicKey: KeyObject, cp: Checkpoint): boolean {
  const { sig, ...unsigned } = cp;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(sig, "base64"));
  } catch {
    return false;
  }
}

/** Appends a checkpoint line whole, or not at all (a full disk must not leave half a line). */
export function appendCheckpoint(dir: string, cp: Checkpoint): void {
  mkdirSync(digestDir(dir), { recursive: true, mode: 0o700 });
  appendLineWhole(digestFile(dir, cp.chain_id), JSON.stringify(cp) + "\n");
}

/** Copies a signed checkpoint to a witness directory: `<witness>/<chain>.jsonl`, whole lines only. */
export function witnessCheckpoint(witness: string, cp: Checkpoint): void {
  mkdirSync(witness, { recursive: true, mode: 0o700 });
  appendLineWhole(join(witness, `${cp.chain_id}.jsonl`), JSON.stringify(cp) + "\n");
}

/** Every checkpoint line a witness directory holds for each chain. */
export function readWitness(witness: string): Map<string, Array<Checkpoint | { bad: string; line: number }>> {
  const out = new Map<string, Array<Checkpoint | { bad: string; line: number }>>();
  if (!existsSync(witness)) return out;
  for (const name of readdirSync(witness)) {
    if (!/^[0-9a-f-]{36}\.jsonl$/.test(name)) continue;
    out.set(name.slice(0, 36), parseCheckpointLines(readFileSync(join(witness, name), "utf8")));
  }
  return out;
}

/** Publishes the public key beside the digests (a convenience: verifiers should pin their own copy). */
export function publishPublicKey(dir: string, key: KeyObject): void {
  mkdirSync(digestDir(dir), { recursive: true, mode: 0o700 });
  const pem = publicKeyPem(key);
  const file = publicKeyFile(dir);
  if (!existsSync(file) || readFileSync(file, "utf8") !== pem) writeFileSync(file, pem, { mode: 0o644 });
}

export function readCheckpoints(dir: string, chainId: string): Array<Checkpoint | { bad: string; line: number }> {
  const file = digestFile(dir, chainId);
  if (!existsSync(file)) return [];
  return parseCheckpointLines(readFileSync(file, "utf8"));
}

function parseCheckpointLines(text: string): Array<Checkpoint | { bad: string; line: number }> {
  return text
    .split("\n")
    .map((text, i) => ({ text, line: i + 1 }))
    .filter((l) => l.text.trim())
    .map(({ text, line }) => {
      try {
        return JSON.parse(text) as Checkpoint;
      } catch {
        return { bad: "not valid JSON", line };
      }
    });
}

export interface CheckpointerOptions {
  /** false while the events up to `state()` are not all on disk yet: then nothing is signed. */
  canWrite?: () => boolean;
  /** Called with every checkpoint once it is on disk: the trail hands it to its witnesses. */
  onSigned?: (cp: Checkpoint) => void;
  /** The leaves since the last checkpoint: its consistency proof, and the tree files it extends. */
  window?: TreeWindow;
  /** Adds further signatures to each checkpoint note (the ML-DSA-44 one, when postQuantum is on). */
  signNote?: (note: string, treeSize: number, root: string) => string;
}

/** Writes a checkpoint every `every` events or `intervalMs`, whichever comes first, and on close. */
export class Checkpointer {
  private sinceLast = 0;
  private lastAt = Date.now();
  private lastSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly chainId: string,
    private readonly key: KeyObject,
    private readonly every: number,
    private readonly intervalMs: number,
    private readonly state: () => { seq: number; hash: string; root?: string },
    private readonly onError: (err: unknown) => void,
    private readonly options: CheckpointerOptions = {},
  ) {
    try {
      publishPublicKey(dir, key);
    } catch (err) {
      // A full or read-only disk must not stop the trail from starting; it is reported instead.
      onError(err);
    }
    this.timer = setInterval(() => this.maybe(true), intervalMs);
    this.timer.unref();
  }

  sealed(): void {
    this.sinceLast++;
    // The chain's first event is signed at once: from then on every event links back to a
    // signature, and a later writer can tell this chain's unsigned tail from a forged chain.
    if (this.sinceLast >= this.every || this.lastSeq === 0) this.write();
  }

  private maybe(timed: boolean): void {
    if (this.sinceLast > 0 && (!timed || Date.now() - this.lastAt >= this.intervalMs)) this.write();
  }

  write(final = false): void {
    const { seq, hash, root } = this.state();
    if (seq === 0 || (seq === this.lastSeq && !final) || !(this.options.canWrite?.() ?? true)) return;
    try {
      // The writer's own cadence is signed too: verify holds its unsigned tail to it. The last
      // checkpoint of a clean shutdown says so: nothing may follow it.
      // The window must hold exactly the leaves up to seq, or it proves nothing about this size.
      const window = this.options.window?.size === seq ? this.options.window : undefined;
      const consistency = window?.consistency();
      const note = root ? checkpointNote(this.key, this.chainId, seq, root) : undefined;
      const tree = root && note ? { tree_size: seq, root, note: this.options.signNote ? this.options.signNote(note, seq, root) : note, ...(consistency ? { consistency } : {}) } : {};
      const cp = signCheckpoint(this.key, { chain_id: this.chainId, seq, hash, ts: new Date().toISOString(), every: this.every, interval_ms: this.intervalMs, ...tree, ...(final ? { final: true } : {}) });
      appendCheckpoint(this.dir, cp);
      window?.checkpointed(this.dir, this.chainId, this.onError);
      try {
        this.options.onSigned?.(cp);
      } catch (err) {
        // A witness being unavailable never stops the trail; it is reported.
        this.onError(err);
      }
      this.lastSeq = seq;
      this.sinceLast = 0;
      this.lastAt = Date.now();
    } catch (err) {
      this.onError(err);
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.write(true);
  }
}
