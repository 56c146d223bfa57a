/** What a built-in detector is, shared by the detector modules and the scanner. */
import type { TextFeatures } from "./text-features.js";

/** A span a finder reports, relative to the text it was given. */
export interface Found {
  start: number;
  end: number;
  /** The entity, where a finder can name several (MAC or IP address, a provider's key). */
  entity?: string;
}

/** What a check says about a candidate: rejected, or the span (within the match) to redact. */
export type CheckResult = false | { start?: number; end?: number; entity?: string };

export interface BuiltinDetector {
  entity: string;
  /** A regex source (no capture groups, no backreferences: the scanner joins sources)... */
  source?: string;
  /**
   * ...or a linear-time finder for shapes a regex would have to try at every position. A gated
   * finder gets the detector keywords the text holds.
   */
  find?: (text: string, present: ReadonlySet<string> | undefined, features?: TextFeatures) => Iterable<Found>;
  /** For a finder: a substring the text must contain for it to run (an e-mail needs `@`). */
  anchor?: string;
  /**
   * Lower-case words one of which the text must contain for the detector to run at all; the
   * scanner looks for all detectors' words in one pass (a `password=` rule needs "password").
   */
  keywords?: readonly string[];
  /**
   * Every match of `source` begins where one of `keywords` begins: the scanner then tries the
   * regex only at those places instead of scanning the whole text with it.
   */
  startsAtKeyword?: boolean;
  /** Feature bits (text-features.ts) one of which the text must have for the detector to run. */
  needs?: number;
  /** The longest run of token characters the text must have for the detector to run. */
  needsRun?: number;
  /** Rejects a candidate by what precedes it (a word boundary, not inside a longer number). */
  before?: (text: string, index: number) => boolean;
  /** Accepts or rejects a regex candidate; gets the whole text for context around the match. */
  check?: (match: string, text: string, index: number) => CheckResult | boolean;
}
