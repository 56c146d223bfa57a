/**
 * The visible marks a cut leaves behind. A reader of the trail must never mistake a shortened value
 * for the whole one, so every cut says what it removed; the bounding pass also recognises the marks
 * capture left, so the event's `truncated` list names every place that was cut, wherever it was cut.
 */

import { randomBytes } from "node:crypto";

const GROUPED = new Intl.NumberFormat("en-US");

/** `…[truncated 4,967,232 chars]`: the tail of a string cut after its first characters. */
export function truncatedTail(omittedChars: number): string {
  return `…[truncated ${GROUPED.format(omittedChars)} chars]`;
}

/**
 * Capture's own mark on a giant string it shortened before redaction. Bounding always replaces it
 * with the final `truncatedTail`, so it never reaches a sink. It carries a random word chosen once
 * per process: content that ends in a look-alike (a tool's output written to fool the auditor) is
 * just text, and cannot make bounding drop what precedes it.
 */
const NONCE = Array.from(randomBytes(12), (b) => String.fromCharCode(97 + (b % 26))).join("");

export function captureCut(omittedChars: number): string {
  return `…[truncated ${omittedChars} chars before redaction ${NONCE}]`;
}

const CAPTURE_CUT = new RegExp(`…\\[truncated (\\d+) chars before redaction ${NONCE}\\]$`);

/** What a string shortened by capture kept, and how many characters it dropped; else undefined. */
export function parseCaptureCut(s: string): { kept: string; omitted: number } | undefined {
  const m = CAPTURE_CUT.exec(s.length > 80 ? s.slice(-80) : s);
  if (!m) return undefined;
  return { kept: s.slice(0, s.length - m[0].length), omitted: Number(m[1]) };
}

/** Capture's marks for values it did not keep (deep nesting, long arrays, binary, cycles...). */
export function isCaptureMark(s: string): boolean {
  // A cycle ("[Circular]") loses nothing: the value is recorded where it first appeared.
  return s.startsWith("[Truncated: ") || s.startsWith("[data URL ") || s.startsWith("[Binary ") || s.startsWith("[Unserializable: ");
}

/** The mark left where a whole value was dropped so the event fits `maxEventBytes`. */
export function omittedValue(bytes: number): string {
  return `[Truncated: ${GROUPED.format(bytes)} bytes omitted to fit limits.maxEventBytes]`;
}
