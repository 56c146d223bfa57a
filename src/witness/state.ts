/**
 * The witness's memory: per origin, the latest checkpoint it cosigned. tlog-witness requires the
 * check of `old` against this state and its update to be one atomic step (else two requests from
 * the same old size could both win and roll the log back), and the state to be on disk before
 * the answer. So:
 *
 *   <dir>/origins/<hex sha256(origin)>.json   { origin, size, root, checkpoint, cosigned_at }
 *   <dir>/evidence.jsonl                      checkpoints a trusted log signed that were refused
 *   <dir>/witness.lock                        the pid of the one process serving this directory
 *
 * Each origin's file is replaced whole (temp file, fsync, rename, fsync of the directory), under
 * a per-origin queue in this process, and the directory lock keeps a second process away (two
 * processes would each have their own queue). A state file that cannot be read is an error, never
 * "no state": treating it as a new origin would let anyone roll the log back to size 0.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { appendLineWhole } from "../format/append.js";

export interface HeldCheckpoint {
  origin: string;
  size: bigint;
  root: Buffer;
  /** The checkpoint as served to monitors: body, the log signatures verified, the cosignature. */
  checkpoint: string;
  cosignedAt: number;
}

export const originHash = (origin: string) => createHash("sha256").update(origin).digest("hex");

/** Runs tasks one at a time per key, in arrival order; different keys run concurrently. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

// Directory fsync is unsupported on some file systems; the rename itself is still atomic there.
const DIR_SYNC_UNSUPPORTED = new Set(["EINVAL", "EISDIR", "EPERM", "ENOTSUP", "EBADF"]);

async function writeAtomic(file: string, dir: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, "r");
  try {
    await dh.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
  } finally {
    await dh.close();
  }
}

interface StoredJson {
  origin: string;
  size: string;
  root: string;
  checkpoint: string;
  cosigned_at: number;
}

function fromJson(text: string, file: string): HeldCheckpoint {
  let j: Partial<StoredJson>;
  try {
    j = JSON.parse(text) as Partial<StoredJson>;
  } catch {
    throw new Error(`witness state ${file} is not valid JSON`);
  }
  const root = typeof j.root === "string" ? Buffer.from(j.root, "base64") : undefined;
  if (typeof j.origin !== "string" || typeof j.size !== "string" || !/^(?:0|[1-9][0-9]*)$/.test(j.size) || !root || root.length !== 32 || typeof j.checkpoint !== "string" || typeof j.cosigned_at !== "number") {
    throw new Error(`witness state ${file} is not a witness state record`);
  }
  return { origin: j.origin, size: BigInt(j.size), root, checkpoint: j.checkpoint, cosignedAt: j.cosigned_at };
}

export class WitnessState {
  readonly originsDir: string;
  readonly evidenceFile: string;
  private readonly queue = new KeyedQueue();

  constructor(readonly dir: string) {
    this.originsDir = join(dir, "origins");
    this.evidenceFile = join(dir, "evidence.jsonl");
    mkdirSync(this.originsDir, { recursive: true, mode: 0o700 });
  }

  private file(hex: string): string {
    return join(this.originsDir, `${hex}.json`);
  }

  /** Runs `task` with the origin's state, no other task for that origin running meanwhile. */
  exclusive<T>(origin: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(origin, task);
  }

  async read(origin: string): Promise<HeldCheckpoint | undefined> {
    const held = await this.readHash(originHash(origin));
    // The file name is the origin's hash: a file holding another origin was moved or forged.
    if (held && held.origin !== origin) throw new Error(`witness state ${this.file(originHash(origin))} holds another origin`);
    return held;
  }

  /** By hex SHA-256 of the origin, as monitors ask for it. */
  async readHash(hex: string): Promise<HeldCheckpoint | undefined> {
    const file = this.file(hex);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    return fromJson(text, file);
  }

  /** Replaces the origin's state whole; call inside `exclusive`. */
  async write(held: HeldCheckpoint): Promise<void> {
    const json: StoredJson = { origin: held.origin, size: held.size.toString(), root: held.root.toString("base64"), checkpoint: held.checkpoint, cosigned_at: held.cosignedAt };
    await writeAtomic(this.file(originHash(held.origin)), this.originsDir, JSON.stringify(json, null, 2) + "\n");
  }

  /** One line per refused checkpoint that a trusted log key signed: possible evidence of a fork. */
  recordEvidence(record: Record<string, unknown>): void {
    appendLineWhole(this.evidenceFile, JSON.stringify(record) + "\n");
  }
}

const lockedHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<dir>/witness.lock` for this process, refusing while another live process (or another
 * server in this one) holds it; a lock left by a dead process is taken over. Returns the release.
 */
export function lockStateDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, "witness.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      lockedHere.add(file);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        lockedHere.delete(file);
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let pid = NaN;
      try {
        pid = Number(readFileSync(file, "utf8").trim());
      } catch {
        // unreadable: treated as stale below
      }
      const live = Number.isInteger(pid) && pid > 0 && (pid === process.pid ? lockedHere.has(file) : processAlive(pid));
      if (live) throw new Error(`another witness (pid ${pid}) serves ${dir}; one process per state directory`);
      try {
        unlinkSync(file);
      } catch {
        // someone else removed it first
      }
    }
  }
  throw new Error(`could not lock ${dir} for the witness`);
}
