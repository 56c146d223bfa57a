/**
 * The witnesses of one trail, from `integrity.witness`: a directory (copied to synchronously, as a
 * local file append costs what a checkpoint does), `s3://bucket/prefix`, or an `http(s)://` witness
 * speaking C2SP tlog-witness (both queued, so the agent never waits on the network). Each
 * checkpoint the trail signs, its own or a dead writer's it seals, goes to all of them.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { witnessCheckpoint, type Checkpoint } from "../integrity/checkpoints.js";
import { WitnessQueue, type WitnessStats, type WitnessTarget } from "./queue.js";
import { s3Witness, type ObjectLock } from "./s3-witness.js";

export type WitnessKind = "dir" | "s3" | "http";

export const witnessKind = (spec: string): WitnessKind => (spec.startsWith("s3://") ? "s3" : /^https?:\/\//.test(spec) ? "http" : "dir");

export interface WitnessSetOptions {
  /** Trail directories: a directory witness inside one of them is refused. */
  trailDirs: readonly string[];
  objectLock?: ObjectLock;
  /** Builds the target of an HTTP witness (the tlog-witness client). */
  http?: (url: string) => WitnessTarget;
  onError: (err: Error) => void;
}

export class WitnessSet {
  private readonly dirs: string[] = [];
  readonly queues: WitnessQueue[] = [];

  /** Throws a message naming the fix when a witness is unusable (a directory inside the trail). */
  constructor(specs: readonly string[], options: WitnessSetOptions) {
    for (const spec of specs) {
      const kind = witnessKind(spec);
      if (kind === "dir") {
        const dir = resolve(spec);
        const inside = options.trailDirs.find((d) => !relative(d, dir).startsWith("..") && !isAbsolute(relative(d, dir)));
        if (inside) throw new Error(`integrity.witness (${dir}) is inside the trail directory ${inside}, where whoever rewrites the trail rewrites the witness too. Fix: put it on another volume or host, e.g. /mnt/other-volume/audit-witness`);
        this.dirs.push(dir);
      } else if (kind === "s3") {
        this.queues.push(new WitnessQueue(s3Witness(spec, { objectLock: options.objectLock }), options.onError));
      } else {
        if (!options.http) throw new Error(`integrity.witness (${spec}): HTTP witnesses are not available here`);
        this.queues.push(new WitnessQueue(options.http(spec), options.onError));
      }
    }
    this.onError = options.onError;
  }
  private readonly onError: (err: Error) => void;

  /** A checkpoint is on disk: copy it to every directory now, queue it for the rest. */
  signed(cp: Checkpoint): void {
    for (const dir of this.dirs) {
      try {
        witnessCheckpoint(dir, cp);
      } catch (err) {
        this.onError(new Error(`witness ${dir}: cannot copy the checkpoint at seq ${cp.seq}: ${(err as Error).message}`));
      }
    }
    for (const q of this.queues) q.enqueue(cp);
  }

  async drain(ms: number): Promise<void> {
    await Promise.all(this.queues.map((q) => q.drain(ms)));
  }

  stop(): void {
    for (const q of this.queues) q.stop();
  }

  stats(): Record<string, WitnessStats> {
    return Object.fromEntries(this.queues.map((q) => [q.target.label, q.stats()]));
  }
}
