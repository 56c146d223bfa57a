/** How much of a value capture keeps (strings, depth, items): the defaults the trail's limits start from. */

export interface SerializeLimits {
  /** Longest string kept, in characters (default 32 KiB). */
  maxStringLength: number;
  /** Deepest nesting kept (default 16). */
  maxDepth: number;
  /** Most array items / object keys kept (default 1,000). */
  maxItems: number;
  /**
   * Set by the trail for capture: strings are cut with a mark the bounding pass (after redaction)
   * replaces, so the final cut and its count are decided where the secret can no longer hide.
   */
  beforeRedaction?: boolean;
}

export const DEFAULT_LIMITS: SerializeLimits = { maxStringLength: 32 * 1024, maxDepth: 16, maxItems: 1000 };
