/**
 * What a text is made of, gathered in the keyword automaton's one pass over it: which characters
 * some detector needs occur at all, and the longest run of token characters. Most texts an agent
 * sends lack most of them (prose has no `@`, no `\`, no 20-character token), and then the passes
 * that need them are skipped instead of each reading the text to find nothing.
 */
export const DIGIT = 1;
export const AT = 2; // `@`, or `%` of a `%40`
export const COLON = 4;
export const BACKSLASH = 8;
export const EQUALS = 16;
export const TABLE = 32; // `|`, `,`, `;`, tab: cell separators
export const NON_ASCII = 64;
export const DASH = 128;
export const DOT = 256;
/** Not a feature: marks token characters ([A-Za-z0-9+/=_.-]) for the run length. */
export const TOKEN = 512;

export interface TextFeatures {
  mask: number;
  /** The longest run of token characters (a key, a hash, base64). */
  longestRun: number;
  /** Where the runs of RUN_MIN or more token characters stand: start, end, start, end… */
  runs: number[];
}

/** Runs shorter than this hold no token or base64 blob worth looking at. */
export const RUN_MIN = 12;

/** ASCII character → its feature bits. */
export const FEATURE_OF = new Uint16Array(128);
for (let c = 48; c <= 57; c++) FEATURE_OF[c] = DIGIT | TOKEN;
for (let c = 65; c <= 90; c++) FEATURE_OF[c] = TOKEN;
for (let c = 97; c <= 122; c++) FEATURE_OF[c] = TOKEN;
FEATURE_OF[64] = AT;
FEATURE_OF[37] = AT;
FEATURE_OF[58] = COLON;
FEATURE_OF[92] = BACKSLASH;
FEATURE_OF[61] = EQUALS | TOKEN;
for (const c of [124, 44, 59, 9]) FEATURE_OF[c] = TABLE;
FEATURE_OF[45] = DASH | TOKEN;
FEATURE_OF[46] = DOT | TOKEN;
for (const c of [43, 47, 95]) FEATURE_OF[c] = TOKEN;

/** The features alone, for a scanner with no keywords to look for. */
export function textFeatures(text: string): TextFeatures {
  let mask = 0;
  let run = 0;
  let longest = 0;
  const runs: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const f = c < 128 ? FEATURE_OF[c]! : NON_ASCII;
    mask |= f;
    if ((f & TOKEN) !== 0) run++;
    else {
      if (run >= RUN_MIN) runs.push(i - run, i);
      if (run > longest) longest = run;
      run = 0;
    }
  }
  if (run >= RUN_MIN) runs.push(text.length - run, text.length);
  return { mask, longestRun: Math.max(longest, run), runs };
}
