/**
 * The embedded default: an append-only JSONL trail on local disk.
 *
 * One event per line, in daily segment files named `<YYYY-MM-DD>.<chain_id>.jsonl` (UTC day, one
 * file per writer chain, so concurrent processes never interleave partial lines and each chain can
 * be verified on its own). Every line is written with a synchronous `write(2)` as soon as it is
 * sealed, so a `kill -9` of the agent loses nothing already recorded; `fsync` controls whether it
 * also survives a power cut.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { parseOptions } from "../pipeline/options.js";
import { OK, type SendResult, type Sink } from "./types.js";

export const DEFAULT_AUDIT_DIR = ".audit";

const optionsSchema = z
  .object({
    dir: z.string().min(1).optional(),
    fsync: z.union([z.enum(["never", "always"]), z.number().int().positive()]).optional(),
  })
  .strict();
export type JsonlSinkOptions = z.input<typeof optionsSchema>;

export interface JsonlSink extends Sink {
  readonly dir: string;
  /** The segment file currently being appended to (undefined before the first event). */
  readonly currentFile: string | undefined;
}

/** The segment file name for an event: its UTC day and its writer's chain. */
export function segmentName(event: Pick<AuditEvent, "ts" | "chain_id">): string {
  return `${event.ts.slice(0, 10)}.${event.chain_id}.jsonl`;
}

export const SEGMENT_PATTERN = /^\d{4}-\d{2}-\d{2}\.[0-9a-f-]{36}\.jsonl$/;

export function jsonlSink(options: JsonlSinkOptions = {}): JsonlSink {
  const opts = parseOptions("jsonlSink", optionsSchema, options);
  const dir = resolve(opts.dir ?? DEFAULT_AUDIT_DIR);
  const fsyncPolicy = opts.fsync ?? "never";
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`jsonlSink: dir "${dir}" exists but is not a directory. Fix: point dir at a directory.`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // created on first write
  }

  let fd: number | undefined;
  let file: string | undefined;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;

  const sync = () => {
    if (fd !== undefined && dirty) {
      fsyncSync(fd);
      dirty = false;
    }
  };

  const openFor = (name: string) => {
    if (fd !== undefined) {
      sync();
      closeSync(fd);
      fd = undefined;
    }
    mkdirSync(dir, { recursive: true, mode: 0o700 }); // owner-only: the trail holds personal data
    file = join(dir, name);
    fd = openSync(file, "a", 0o600); // audit data is personal data: owner-only
  };

  if (typeof fsyncPolicy === "number") {
    timer = setInterval(() => {
      try {
        sync();
      } catch {
        // reported by the next write or flush
      }
    }, fsyncPolicy);
    timer.unref();
  }

  return {
    name: "jsonl",
    kind: "local",
    dir,
    get currentFile() {
      return file;
    },
    send(batch: readonly AuditEvent[]): SendResult {
      try {
        let i = 0;
        while (i < batch.length) {
          const name = segmentName(batch[i]!);
          if (fd === undefined || !file!.endsWith(name)) openFor(name);
          let text = "";
          // Lines of one segment go out in one write(2).
          for (; i < batch.length && segmentName(batch[i]!) === name; i++) text += JSON.stringify(batch[i]) + "\n";
          writeSync(fd!, text);
          dirty = true;
        }
        if (fsyncPolicy === "always") sync();
        return OK;
      } catch (err) {
        return { ok: false, retryable: true, error: `cannot write ${file ?? dir}: ${(err as Error).message}` };
      }
    },
    flush() {
      sync();
    },
    close() {
      if (timer) clearInterval(timer);
      if (fd !== undefined) {
        sync();
        closeSync(fd);
        fd = undefined;
      }
    },
  };
}
