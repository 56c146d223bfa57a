/**
 * Levels, as in the seed guide: `trace` every chain step, `debug` model calls and decisions,
 * `info` inputs, outputs and tool calls, `warn` things worth a look (a slow tool), `error` failures.
 * A trail records events at or above its level.
 */
import { LEVELS, type Level } from "../events/schema.js";

const RANK: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

export function levelRank(level: Level): number {
  return RANK[level];
}

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}
