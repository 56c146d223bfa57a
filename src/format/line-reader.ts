/**
 * Reading trail files fast: whole-line blocks read into one reused buffer, split with a byte
 * search. Several times faster than readline (no decoder pass over the whole file, no regex split,
 * no promise per line), and a caller can search a block's bytes before decoding or parsing a line.
 */
import { open } from "node:fs/promises";

/**
 * The file in blocks of whole lines (each block ends with a newline, except a torn last line):
 * for callers that search a block before looking at any line, which is what makes finding a few
 * events in a large trail fast. Blocks are views into one reused buffer (no allocation per read,
 * little for the GC to do): a block is only valid until the generator is resumed.
 */
export async function* lineBlocks(file: string, blockBytes = 4 << 20): AsyncGenerator<Buffer> {
  const fh = await open(file, "r");
  try {
    let buf = Buffer.allocUnsafe(blockBytes);
    let held = 0; // bytes of an unfinished line kept at the start of buf
    for (;;) {
      if (held === buf.length) {
        // One line longer than the buffer: make room for it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, held, buf.length - held, null);
      if (bytesRead === 0) break;
      const filled = held + bytesRead;
      const end = buf.lastIndexOf(10, filled - 1) + 1;
      if (end > 0) yield buf.subarray(0, end);
      buf.copy(buf, 0, end, filled);
      held = filled - end;
    }
    if (held) yield buf.subarray(0, held);
  } finally {
    await fh.close();
  }
}

/**
 * The lines of a block, every one of them (empty ones too, so line numbers stay right), without a
 * trailing `\r`; a last line without its newline (a torn write) is yielded as well.
 */
export function* splitLines(block: Buffer): Generator<Buffer> {
  let start = 0;
  for (let nl = block.indexOf(10); nl !== -1; nl = block.indexOf(10, start)) {
    yield block.subarray(start, nl > start && block[nl - 1] === 13 ? nl - 1 : nl);
    start = nl + 1;
  }
  if (start < block.length) yield block.subarray(start);
}
