/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness, so ids sort by creation time.
 *
 * Ids made by one process are strictly increasing even within one millisecond: the 12-bit `rand_a`
 * field is used as a counter (RFC 9562 §6.2, method 1), seeded randomly each new millisecond with
 * its top bit clear so it has room to count. If it still overflows, the timestamp is advanced by one
 * millisecond rather than breaking the order.
 */
import { randomFillSync } from "node:crypto";

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// Random bytes are drawn in blocks: one syscall per 512 ids instead of one per id.
const POOL_IDS = 512;
const pool = new Uint8Array(POOL_IDS * 10);
let poolOffset = pool.length;

function randomBytes10(): number {
  if (poolOffset + 10 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  return at;
}

let lastMs = -1;
let counter = 0;

/** A new UUIDv7 string, time-ordered and monotonic within this process. */
export function uuidv7(now: number = Date.now()): string {
  const at = randomBytes10();
  let ms = now;
  if (ms > lastMs) {
    lastMs = ms;
    counter = ((pool[at]! & 0x07) << 8) | pool[at + 1]!; // 11 random bits, top bit of 12 clear
  } else {
    ms = lastMs; // clock went backwards or same millisecond: keep counting from the last id
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      ms = lastMs;
      counter = 0;
    }
  }
  const b = pool;
  // 48-bit big-endian timestamp, split because bitwise ops are 32-bit in JavaScript.
  const high = Math.floor(ms / 0x10000);
  const low = ms & 0xffff;
  return (
    HEX[(high >>> 24) & 0xff]! +
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    "-" +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    "-" +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 0xff]! +
    "-" +
    HEX[0x80 | (b[at + 2]! & 0x3f)]! +
    HEX[b[at + 3]!]! +
    "-" +
    HEX[b[at + 4]!]! +
    HEX[b[at + 5]!]! +
    HEX[b[at + 6]!]! +
    HEX[b[at + 7]!]! +
    HEX[b[at + 8]!]! +
    HEX[b[at + 9]!]!
  );
}

/** The Unix milliseconds encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
