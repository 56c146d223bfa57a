/**
 * The lines of a trail file as raw bytes, read in 4 MiB chunks and split with a byte search: about
 * twice as fast as readline (no string decoder pass over the whole file, no regex split), and a
 * caller can test bytes before decoding or parsing a line. Every line is yielded, empty ones too,
 * so line numbers stay right; a last line without its newline (a torn write) is yielded as well.
 */
import { createReadStream } from "node:fs";

export async function* lineBuffers(file: string): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    const buf = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      yield buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
    // Copied, so the chunk it came from can be collected.
    carry = start < buf.length ? Buffer.from(buf.subarray(start)) : undefined;
  }
  if (carry) yield carry;
}
