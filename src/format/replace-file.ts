/**
 * Replacing a small file whole (cursors, writer records, the key store's pins): the text goes to
 * a temporary file beside it, which is then renamed over the old one, so a reader sees the old
 * file or the new one, never half of either. When the write or the rename fails (a full disk, a
 * directory in the way) the temporary file is removed: otherwise every failure would leave one.
 */
import { unlinkSync, renameSync, writeFileSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";

const tempName = (file: string) => `${file}.${process.pid}.tmp`;

export function replaceFileSync(file: string, text: string, mode = 0o600): void {
  const tmp = tempName(file);
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw err;
  }
}

export async function replaceFile(file: string, text: string, mode = 0o600): Promise<void> {
  const tmp = tempName(file);
  try {
    await writeFile(tmp, text, { mode });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined); // never created
    throw err;
  }
}
