/**
 * Aho–Corasick over ASCII keywords, case-insensitive: one pass over the text, one table lookup per
 * character, reporting which keywords occur. This is the prefilter gitleaks uses so that a rule's
 * regex runs only where its keyword occurs; the scanner uses it the same way for every detector
 * that starts with a word (a combined keyword regex of ~250 alternatives was five times slower
 * than the rest of redaction together).
 *
 * The table is indexed by character class, not by character: only the ~40 characters keywords are
 * made of get a column, so ~1,500 states fit in the CPU cache (a 128-wide table did not, and every
 * step was a cache miss). A character in no keyword sends the scan back to the root at once.
 */
import { FEATURE_OF, NON_ASCII, RUN_MIN, TOKEN, type TextFeatures } from "./text-features.js";

const ASCII = 128;

export class KeywordAutomaton {
  /** ASCII character (upper case folded) → its column, 0 for a character no keyword contains. */
  private readonly classOf = new Uint8Array(ASCII);
  private readonly width: number;
  /** goto/fail folded into one transition table: state × class → state. */
  private readonly next: Int32Array;
  /** For each state, the keywords that end there (through fail links too), or undefined. */
  private readonly ends: Array<number[] | undefined>;
  /** 1 where a state ends a keyword: the scan loop tests a byte, not a holey array. */
  private readonly accepting: Uint8Array;
  /** See the constructor: `next` premultiplied, with accepting targets marked. */
  private readonly step: Int32Array;
  /** ASCII character → its column (low 8 bits) and its feature bits (text-features.ts, above). */
  private readonly lookup = new Uint32Array(ASCII);

  constructor(readonly keywords: readonly string[]) {
    let width = 1;
    for (const word of keywords) {
      for (const ch of word.toLowerCase()) {
        const c = ch.charCodeAt(0);
        if (ch.length > 1 || c >= ASCII) throw new RangeError(`keyword ${JSON.stringify(word)} is not ASCII`);
        if (this.classOf[c] === 0) this.classOf[c] = width++;
      }
    }
    for (let c = 65; c <= 90; c++) this.classOf[c] = this.classOf[c | 32]!;
    this.width = width;
    if (width > 255) throw new RangeError("keywords use more than 255 distinct characters");
    for (let c = 0; c < ASCII; c++) this.lookup[c] = this.classOf[c]! | (FEATURE_OF[c]! << 8);

    const trie: Array<Map<number, number>> = [new Map()];
    const ends: Array<number[] | undefined> = [undefined];
    keywords.forEach((word, id) => {
      let s = 0;
      for (const ch of word.toLowerCase()) {
        const k = this.classOf[ch.charCodeAt(0)]!;
        let t = trie[s]!.get(k);
        if (t === undefined) {
          t = trie.length;
          trie.push(new Map());
          ends.push(undefined);
          trie[s]!.set(k, t);
        }
        s = t;
      }
      (ends[s] ??= []).push(id);
    });
    const next = new Int32Array(trie.length * width);
    const fail = new Int32Array(trie.length);
    const queue: number[] = [];
    for (let k = 1; k < width; k++) {
      const t = trie[0]!.get(k);
      if (t !== undefined) {
        next[k] = t;
        queue.push(t);
      }
    }
    // Breadth first: each state's fail link points at a shallower state, already complete.
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      const f = fail[s]!;
      if (ends[f]) ends[s] = [...(ends[s] ?? []), ...ends[f]!];
      for (let k = 1; k < width; k++) {
        const t = trie[s]!.get(k);
        if (t === undefined) next[s * width + k] = next[f * width + k]!;
        else {
          fail[t] = next[f * width + k]!;
          next[s * width + k] = t;
          queue.push(t);
        }
      }
    }
    this.next = next;
    this.ends = ends;
    this.accepting = Uint8Array.from(ends, (e) => (e ? 1 : 0));
    // findAt's table: column 0 (a character in no keyword) leads back to the root, and each entry
    // is the target's row offset, negated (sign bit set) where the target ends a keyword.
    this.step = new Int32Array(next.length);
    for (let i = 0; i < next.length; i++) {
      const t = i % width === 0 ? 0 : next[i]!;
      this.step[i] = this.accepting[t] === 1 ? (t * width) | 0x80000000 : t * width;
    }
  }

  /**
   * Where keywords occur in `text`, as `hits` pairs: `hitIds[k]` began at `hitStarts[k]`, for k below
   * the count returned (0: none), in the order their ends were met. One pass, as `find`; for
   * detectors whose match begins with one of their keywords these are the only places worth
   * trying. The arrays are reused by the next call: read them before scanning another text.
   */
  findAt(text: string, features?: TextFeatures): number {
    const { step, lookup, ends } = this;
    let count = 0;
    // The current state, premultiplied by the table's width (a state's row starts there).
    let s = 0;
    // What the text is made of, in the same pass (text-features.ts).
    let mask = 0;
    let run = 0;
    let longest = 0;
    const runs = features?.runs;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // One lookup gives both the character's column and its feature bits.
      const entry = c < ASCII ? lookup[c]! : NON_ASCII << 8;
      mask |= entry;
      if ((entry & (TOKEN << 8)) !== 0) run++;
      else if (run !== 0) {
        if (run >= RUN_MIN && runs) runs.push(i - run, i);
        if (run > longest) longest = run;
        run = 0;
      }
      const t = step[s + (entry & 255)]!;
      if (t >= 0) {
        s = t;
        continue;
      }
      // A negative entry is an accepting state: its row, with the sign bit set.
      s = t & 0x7fffffff;
      for (const id of ends[s / this.width]!) {
        if (count === this.hitIds.length) this.growHits();
        this.hitIds[count] = id;
        this.hitStarts[count++] = i - this.keywords[id]!.length + 1;
      }
    }
    mask >>>= 8;
    if (features) {
      if (run >= RUN_MIN && runs) runs.push(n - run, n);
      features.mask = mask;
      features.longestRun = Math.max(longest, run);
    }
    return count;
  }

  /** See findAt. */
  hitIds = new Int32Array(64);
  hitStarts = new Int32Array(64);

  private growHits(): void {
    const ids = new Int32Array(this.hitIds.length * 2);
    const starts = new Int32Array(this.hitIds.length * 2);
    ids.set(this.hitIds);
    starts.set(this.hitStarts);
    this.hitIds = ids;
    this.hitStarts = starts;
  }

  /** The ids of the keywords that occur in `text` (ASCII letters compared case-insensitively). */
  find(text: string): Set<number> | undefined {
    const { next, accepting, classOf, width } = this;
    let hits: number[] | undefined;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // Keywords are ASCII: nothing continues through another character, nor one no keyword has.
      const k = c < ASCII ? classOf[c]! : 0;
      if (k === 0) {
        s = 0;
        continue;
      }
      s = next[s * width + k]!;
      if (accepting[s] === 1) (hits ??= []).push(s);
    }
    if (!hits) return undefined;
    const found = new Set<number>();
    for (const state of hits) for (const id of this.ends[state]!) found.add(id);
    return found;
  }
}
