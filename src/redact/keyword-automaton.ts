/**
 * Aho–Corasick over ASCII keywords, case-insensitive: one pass over the text, one table lookup per
 * character, reporting which keywords occur. This is the prefilter gitleaks uses so that a rule's
 * regex runs only where its keyword occurs; a combined keyword regex of ~250 alternatives was five
 * times slower than the rest of redaction together.
 */
const WIDTH = 128;

export class KeywordAutomaton {
  /** goto/fail folded into one transition table: state × character → state. */
  private readonly next: Int32Array;
  /** For each state, the keywords that end there (through fail links too), or undefined. */
  private readonly ends: Array<number[] | undefined>;
  /** 1 where a state ends a keyword: the scan loop tests a byte, not a holey array. */
  private readonly accepting: Uint8Array;

  constructor(readonly keywords: readonly string[]) {
    const trie: Array<Map<number, number>> = [new Map()];
    const ends: Array<number[] | undefined> = [undefined];
    keywords.forEach((word, id) => {
      let s = 0;
      for (const ch of word.toLowerCase()) {
        const c = ch.charCodeAt(0);
        if (c >= WIDTH) throw new RangeError(`keyword ${JSON.stringify(word)} is not ASCII`);
        let t = trie[s]!.get(c);
        if (t === undefined) {
          t = trie.length;
          trie.push(new Map());
          ends.push(undefined);
          trie[s]!.set(c, t);
        }
        s = t;
      }
      (ends[s] ??= []).push(id);
    });
    const next = new Int32Array(trie.length * WIDTH);
    const fail = new Int32Array(trie.length);
    const queue: number[] = [];
    for (let c = 0; c < WIDTH; c++) {
      const t = trie[0]!.get(c);
      if (t !== undefined) {
        next[c] = t;
        queue.push(t);
      }
    }
    // Breadth first: each state's fail link points at a shallower state, already complete.
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q]!;
      const f = fail[s]!;
      if (ends[f]) ends[s] = [...(ends[s] ?? []), ...ends[f]!];
      for (let c = 0; c < WIDTH; c++) {
        const t = trie[s]!.get(c);
        if (t === undefined) next[s * WIDTH + c] = next[f * WIDTH + c]!;
        else {
          fail[t] = next[f * WIDTH + c]!;
          next[s * WIDTH + c] = t;
          queue.push(t);
        }
      }
    }
    this.next = next;
    this.ends = ends;
    this.accepting = Uint8Array.from(ends, (e) => (e ? 1 : 0));
  }

  /** The ids of the keywords that occur in `text` (ASCII letters compared case-insensitively). */
  find(text: string): Set<number> | undefined {
    const next = this.next;
    const accepting = this.accepting;
    let hits: number[] | undefined;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= WIDTH) {
        s = 0; // keywords are ASCII: nothing continues through another character
        continue;
      }
      if (c >= 65 && c <= 90) c |= 32;
      s = next[s * WIDTH + c]!;
      if (accepting[s] === 1) (hits ??= []).push(s);
    }
    if (!hits) return undefined;
    const found = new Set<number>();
    for (const state of hits) for (const id of this.ends[state]!) found.add(id);
    return found;
  }
}
