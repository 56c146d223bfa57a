/**
 * Finds every detection in a text in one pass over the original string.
 *
 * The built-in detectors are joined into one regex of named alternatives, so the text is scanned
 * once and matches can never overlap or see each other's replacements (applying regexes one after
 * another corrupts the output: a phone pattern eating the digits of an already-masked card). When
 * a candidate fails its check (a Luhn-invalid "card"), the lower-priority detectors get their turn
 * at the same position before the scan moves on. Custom detectors scan the same original text and
 * are merged in; overlaps keep the earlier, then the longer, span.
 */
import type { BuiltinDetector, CheckResult } from "./detectors.js";

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

export class Scanner {
  private readonly sticky: (RegExp | undefined)[];
  private readonly finders: number[];
  /** Every regex detector joined into one; group n+1 is detector members[n]. */
  private readonly combined: RegExp | undefined;
  private readonly members: number[];

  constructor(
    private readonly builtins: readonly BuiltinDetector[],
    private readonly custom: readonly CustomDetector[],
    /** Entities to report; a detector that can name several (vendor keys) is filtered here. */
    private readonly enabled: ReadonlySet<string>,
  ) {
    this.sticky = builtins.map((d) => (d.source ? new RegExp(d.source, "y") : undefined));
    this.members = builtins.map((_, i) => i).filter((i) => builtins[i]!.source !== undefined);
    this.combined = this.members.length ? new RegExp(this.members.map((i) => `(${builtins[i]!.source})`).join("|"), "g") : undefined;
    this.finders = builtins.map((d, i) => (d.find ? i : -1)).filter((i) => i >= 0);
  }

  scan(text: string): Span[] {
    const spans: Span[] = [];
    if (text.length < 3) return this.custom.length ? this.resolve(this.scanCustom(text, spans)) : spans;
    this.scanBuiltins(text, spans);
    let more = false;
    for (const i of this.finders) {
      const anchor = this.builtins[i]!.anchor;
      if (anchor && !text.includes(anchor)) continue;
      const entity = this.builtins[i]!.entity;
      if (!this.enabled.has(entity)) continue;
      for (const f of this.builtins[i]!.find!(text)) {
        spans.push({ start: f.start, end: f.end, entity });
        more = true;
      }
    }
    if (this.custom.length) {
      this.scanCustom(text, spans);
      more = true;
    }
    return more ? this.resolve(spans) : spans;
  }

  private scanBuiltins(text: string, spans: Span[]): void {
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
        const sticky = this.sticky[j];
        if (!sticky) continue;
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

  /** Orders spans and drops overlaps: the earlier span wins, then the longer. */
  private resolve(spans: Span[]): Span[] {
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: Span[] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && s.start < last.end) continue;
      merged.push(s);
    }
    return merged;
  }
}
