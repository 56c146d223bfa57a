/**
 * The embedded default: an append-only JSONL trail on local disk.
 *
 * One event per line, in daily segment files named `<YYYY-MM-DD>.<chain_id>.jsonl` (UTC day, one
 * file per writer chain, so concurrent processes never interleave partial lines and each chain can
 * be verified on its own). Every line is written with a synchronous `write(2)` as soon as it is
 * sealed, so a `kill -9` of the agent loses nothing already recorded; `fsync` controls whether it
 * also survives a power cut.
 *
 * A line is written whole or not at all: after a short write or `ENOSPC` the partial bytes are cut
 * off again (the file is truncated back to its last whole line), so the next event always starts on
 * a fresh line. The failure is returned per event; the trail keeps the events and writes them later.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import * as z from "zod";
import type { AuditEvent } from "../events/schema.js";
import { parseOptions } from "../shared/config.js";
import { OK, type ItemResult, type SendResult, type Sink } from "./types.js";
import { DEFAULT_AUDIT_DIR, linesBytes, segmentName } from "../format/trail-format.js";

const NEWLINE = Buffer.from("\n");

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
  /** Bytes of whole lines in the open file: where a failed write is cut back to. */
  let size = 0;
  /** A failed write could not be cut back: the next write starts with a newline instead. */
  let torn = false;
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
    const path = join(dir, name);
    const opened = openSync(path, "a", 0o600); // audit data is personal data: owner-only
    file = path;
    fd = opened;
    size = fstatSync(opened).size;
    torn = false;
  };

  /**
   * The segment an event goes to: its UTC day's, but never one older than the segment in use. A
   * clock stepped back across midnight must not reopen yesterday's file: segments are read in name
   * order (by verify and by delivery cursors), so the chain would come back out of order.
   */
  const segmentFor = (event: AuditEvent) => {
    const name = segmentName(event);
    const current = file === undefined ? undefined : basename(file);
    return current !== undefined && name < current && current.endsWith(`.${event.chain_id}.jsonl`) ? current : name;
  };

  /** Appends `text` whole, or leaves the file as it was and throws. */
  const appendWhole = (lines: Buffer) => {
    const bytes = torn ? Buffer.concat([NEWLINE, lines]) : lines;
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = writeSync(fd!, bytes, written, bytes.length - written);
        if (n <= 0) throw Object.assign(new Error("the write made no progress"), { code: "EIO" });
        written += n;
      }
    } catch (err) {
      if (written > 0) {
        try {
          ftruncateSync(fd!, size);
        } catch {
          // Cannot cut the partial line off: make sure the next event does not glue onto it.
          size += written;
          torn = true;
        }
      }
      throw err;
    }
    size += bytes.length;
    torn = false;
    dirty = true;
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
      let i = 0;
      try {
        while (i < batch.length) {
          const name = segmentFor(batch[i]!);
          if (fd === undefined || !file!.endsWith(name)) openFor(name);
          let j = i;
          // Lines of one segment go out in one write(2).
          while (j < batch.length && segmentFor(batch[j]!) === name) j++;
          appendWhole(linesBytes(batch, i, j));
          i = j;
        }
      } catch (err) {
        const error = `cannot write ${file ?? dir}: ${(err as Error).message}`;
        const failed: ItemResult = { ok: false, retryable: true, error };
        // Events of earlier segments in this batch are on disk; the rest are not.
        return { ok: false, retryable: true, error, items: batch.map((_, k) => (k < i ? OK : failed)) };
      }
      if (fsyncPolicy === "always") {
        try {
          sync();
        } catch {
          // written, not yet synced: the next sync tries again
        }
      }
      return OK;
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
