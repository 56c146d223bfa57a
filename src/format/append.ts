/**
 * Appending to the trail's side files (checkpoints, the access log) the way the trail itself is
 * written: the whole text or nothing. After a short write or ENOSPC the file is cut back to where
 * it was, so a full disk never leaves half a line for the next one to glue onto.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from "node:fs";

export function appendLineWhole(file: string, text: string, mode = 0o600): void {
  const fd = openSync(file, "a", mode);
  try {
    const size = fstatSync(fd).size;
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) {
        const n = writeSync(fd, bytes, written, bytes.length - written);
        if (n <= 0) throw Object.assign(new Error("the write made no progress"), { code: "EIO" });
        written += n;
      }
    } catch (err) {
      if (written > 0) ftruncateSync(fd, size);
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}
