/**
 * Finds every detection in a text, scanning the original string (never another detector's output).
 *
 * Three kinds of pass, chosen so that most characters of a text are looked at only a few times:
 *
 * - one keyword pass (Aho–Corasick, `keyword-automaton.ts`) over the words every word-led detector
 *   needs (`password`, `bearer`, `ghp_`, gitleaks' ~240 keywords…). A detector runs only on texts
 *   that hold one of its words, which is most of the time none of them.
 * - one combined regex of the remaining regex detectors (those that start with a digit or a fixed
 *   prefix), joined into named alternatives: where a candidate fails its check (a Luhn-invalid
 *   "card"), the lower-priority detectors get their turn at the same position before the scan
 *   moves on.
 * - finders written as code, run when their anchor (`@`, `://`, `:`) occurs.
 *
 * Custom detectors scan the same original text. Spans that overlap are merged into one that covers
 * both (the earlier one names the entity): keeping one and dropping the other would leak the part
 * of the dropped span that sticks out.
 */
import type { BuiltinDetector, CheckResult } from "./detectors.js";
import { KeywordAutomaton } from "./keyword-automaton.js";
import { DASH, DIGIT, textFeatures, type TextFeatures } from "./text-features.js";

export interface Span {
  start: number;
  end: number;
  entity: string;
}

export interface CustomDetector {
  /** Upper-case entity name recorded in `redactions` and used in replacements, e.g. "EMPLOYEE_ID". */
  entity: string;
  /** Matches to redact (the whole match). */
  pattern?: RegExp;
  /** Optional check a pattern match must pass (a checksum, a lookup). */
  validate?: (match: string) => boolean;
  /** Or a function returning the spans to redact. */
  detect?: (text: string) => Iterable<{ start: number; end: number }>;
}

interface Gated {
  detector: number;
  /** Its own regex, for a gated regex detector: sticky when it is tried at its keywords' places. */
  re?: RegExp;
  /** For one tried at its words' places: word id (in the scanner's list) → 1 if it is one of them. */
  member?: Uint8Array;
}

export class Scanner {
  private readonly sticky: (RegExp | undefined)[];
  /** The ungated regex detectors joined into one; group n+1 is detector members[n]. */
  private readonly combined: RegExp | undefined;
  private readonly members: number[];
  /** Finders without keywords, run when their anchor occurs. */
  private readonly finders: number[];
  private readonly gated: Gated[];
  private readonly words: string[];
  /** Word id → the gated detectors (indexes into `gated`) it lets run. */
  private readonly gatedBy: number[][];
  private readonly automaton: KeywordAutomaton | undefined;

  constructor(
    private readonly builtins: readonly BuiltinDetector[],
    private readonly custom: readonly CustomDetector[],
    /** Entities to report; a detector that can name several (vendor keys) is filtered here. */
    private readonly enabled: ReadonlySet<string>,
  ) {
    this.sticky = builtins.map((d) => (d.source ? new RegExp(d.source, "y") : undefined));
    this.members = builtins.map((_, i) => i).filter((i) => builtins[i]!.source !== undefined && !builtins[i]!.keywords);
    this.combined = this.members.length ? new RegExp(this.members.map((i) => `(${builtins[i]!.source})`).join("|"), "g") : undefined;
    this.finders = builtins.map((d, i) => (d.find && !d.keywords ? i : -1)).filter((i) => i >= 0);

    const ids = new Map<string, number>();
    const pending: Array<[number, number[]]> = [];
    this.gated = [];
    this.gatedBy = [];
    builtins.forEach((d, i) => {
      if (!d.keywords) return;
      const anchored = d.startsAtKeyword === true && d.source !== undefined;
      const words: number[] = [];
      const g = this.gated.push({ detector: i, re: d.source ? new RegExp(d.source, anchored ? "y" : "g") : undefined }) - 1;
      if (anchored) pending.push([g, words]);
      for (const w of new Set(d.keywords.map((k) => k.toLowerCase()))) {
        if (!ids.has(w)) {
          ids.set(w, ids.size);
          this.gatedBy.push([]);
        }
        this.gatedBy[ids.get(w)!]!.push(g);
        words.push(ids.get(w)!);
      }
    });
    this.words = [...ids.keys()];
    for (const [g, words] of pending) {
      const member = new Uint8Array(this.words.length);
      for (const w of words) member[w] = 1;
      this.gated[g]!.member = member;
    }
    this.automaton = this.words.length ? automatonFor(this.words) : undefined;
  }

  /** The last text's features and keyword places, kept for its scan (the redactor asks first). */
  private prepared: { text: string; features: TextFeatures; hits: number } | undefined;

  /** One pass over `text`: its keywords' places and what it is made of. */
  features(text: string): TextFeatures {
    if (this.prepared?.text === text) return this.prepared.features;
    let features: TextFeatures = { mask: 0, longestRun: 0, runs: [] };
    let hits = 0;
    if (this.automaton) hits = this.automaton.findAt(text, features);
    else features = textFeatures(text);
    this.prepared = { text, features, hits };
    return features;
  }

  scan(text: string): Span[] {
    const spans: Span[] = [];
    if (text.length < 3) return this.custom.length ? mergeSpans(this.scanCustom(text, spans)) : spans;
    const features = this.features(text);
    const hits = this.prepared!.hits;
    this.prepared = undefined; // texts are rarely scanned twice; do not keep it alive
    // The combined regex's detectors all start with a digit, or with the dashes of PEM armour.
    if ((features.mask & (DIGIT | DASH)) !== 0) this.scanCombined(text, spans);
    if (hits > 0) this.scanGated(text, hits, spans);
    for (const i of this.finders) {
      const d = this.builtins[i]!;
      if (d.needs !== undefined && (features.mask & d.needs) === 0) continue;
      if (d.needsRun !== undefined && features.longestRun < d.needsRun) continue;
      if (d.anchor && !text.includes(d.anchor)) continue;
      this.collect(d, d.find!(text, undefined, features), spans);
    }
    if (this.custom.length) this.scanCustom(text, spans);
    return spans.length > 1 ? mergeSpans(spans) : spans;
  }

  /** `hits`: how many keyword hits the automaton's arrays hold for this text (findAt). */
  private scanGated(text: string, hits: number, spans: Span[]): void {
    const ids = this.automaton!.hitIds;
    const run = new Uint8Array(this.gated.length);
    for (let h = 0; h < hits; h++) for (const g of this.gatedBy[ids[h]!]!) run[g] = 1;
    let words: Set<string> | undefined;
    for (let k = 0; k < this.gated.length; k++) {
      if (run[k] === 0) continue;
      const g = this.gated[k]!;
      const d = this.builtins[g.detector]!;
      if (d.find) {
        if (!words) {
          words = new Set();
          for (let h = 0; h < hits; h++) words.add(this.words[ids[h]!]!);
        }
        this.collect(d, d.find(text, words), spans);
        continue;
      }
      if (g.member) {
        this.tryAtPlaces(text, g, hits, spans);
        continue;
      }
      const re = g.re!;
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const accepted = this.accept(g.detector, text, m.index, m[0]);
        if (accepted) spans.push(accepted.span);
        re.lastIndex = accepted ? accepted.next : m.index + 1;
      }
    }
  }

  /** A detector whose matches begin at its keywords: its sticky regex at each place one begins. */
  private tryAtPlaces(text: string, g: Gated, hits: number, spans: Span[]): void {
    const { hitIds, hitStarts } = this.automaton!;
    const member = g.member!;
    const starts: number[] = [];
    for (let h = 0; h < hits; h++) if (member[hitIds[h]!] === 1) starts.push(hitStarts[h]!);
    // Hits come in the order their ends were met: keywords of different lengths can disorder starts.
    starts.sort((a, b) => a - b);
    const re = g.re!;
    let next = 0;
    for (let i = 0; i < starts.length; i++) {
      const at = starts[i]!;
      if (at < next || (i > 0 && at === starts[i - 1])) continue;
      re.lastIndex = at;
      const m = re.exec(text);
      if (!m) continue;
      const accepted = this.accept(g.detector, text, at, m[0]);
      if (accepted) {
        spans.push(accepted.span);
        next = accepted.next;
      }
    }
  }

  private collect(d: BuiltinDetector, found: Iterable<{ start: number; end: number; entity?: string }>, spans: Span[]): void {
    for (const f of found) {
      const entity = f.entity ?? d.entity;
      if (this.enabled.has(entity) && f.end > f.start) spans.push({ start: f.start, end: f.end, entity });
    }
  }

  private scanCombined(text: string, spans: Span[]): void {
    const re = this.combined;
    if (!re) return;
    const members = this.members;
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      // Detector sources have no capture groups of their own, so group n+1 is members[n].
      let at = 0;
      while (m[at + 1] === undefined) at++;
      let accepted = this.accept(members[at]!, text, m.index, m[0]);
      // Rejected: let the lower-priority detectors try the same position.
      for (let n = at + 1; !accepted && n < members.length; n++) {
        const j = members[n]!;
        const sticky = this.sticky[j]!;
        sticky.lastIndex = m.index;
        const alt = sticky.exec(text);
        if (alt) accepted = this.accept(j, text, m.index, alt[0]);
      }
      if (accepted) {
        spans.push(accepted.span);
        re.lastIndex = accepted.next;
      } else {
        re.lastIndex = m.index + 1;
      }
    }
  }

  private accept(k: number, text: string, at: number, match: string): { span: Span; next: number } | undefined {
    const d = this.builtins[k]!;
    if (match.length === 0 || (d.before && !d.before(text, at))) return undefined;
    let result: CheckResult | boolean = true;
    if (d.check) result = d.check(match, text, at);
    if (result === false) return undefined;
    const start = at + (result === true ? 0 : (result.start ?? 0));
    const end = at + (result === true ? match.length : (result.end ?? match.length));
    const entity = result === true ? d.entity : (result.entity ?? d.entity);
    if (end <= start || !this.enabled.has(entity)) return undefined;
    return { span: { start, end, entity }, next: Math.max(end, at + 1) };
  }

  private scanCustom(text: string, spans: Span[]): Span[] {
    for (const c of this.custom) {
      if (c.pattern) {
        const re = new RegExp(c.pattern.source, c.pattern.flags.includes("g") ? c.pattern.flags : c.pattern.flags + "g");
        let m: RegExpExecArray | null;
        while ((m = re.exec(text)) !== null) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          if (!c.validate || c.validate(m[0])) spans.push({ start: m.index, end: m.index + m[0].length, entity: c.entity });
        }
      } else if (c.detect) {
        for (const s of c.detect(text)) {
          const start = Math.max(0, Math.floor(s.start));
          const end = Math.min(text.length, Math.floor(s.end));
          if (end > start) spans.push({ start, end, entity: c.entity });
        }
      }
    }
    return spans;
  }
}

/** Built automata by word list: every redactor with the same entities shares one (building takes milliseconds). */
const automata = new Map<string, KeywordAutomaton>();
function automatonFor(words: string[]): KeywordAutomaton {
  const key = words.join("\u0000");
  let a = automata.get(key);
  if (!a) automata.set(key, (a = new KeywordAutomaton(words)));
  return a;
}

/** Orders spans and merges overlaps into one span covering both, named by the earlier (then longer). */
export function mergeSpans(spans: Span[]): Span[] {
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) {
      if (s.end > last.end) last.end = s.end;
      continue;
    }
    merged.push({ ...s });
  }
  return merged;
}
