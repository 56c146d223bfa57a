/**
 * Aggregations shared by the stores, so both compute percentiles, rates, rounding and spikes
 * identically (PostgreSQL does the grouping; these functions finish the numbers).
 */
import type { HourVolume, SpikeRule } from "./types.js";

/** Linear-interpolated quantile (PostgreSQL's percentile_cont). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return round3(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo));
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;
export const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Per-user rows in the order every store gives them: by day, then user. */
export const byDayThenUser = (a: { day: string; user_id: string }, b: { day: string; user_id: string }) =>
  a.day !== b.day ? (a.day < b.day ? -1 : 1) : a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0;

/** Hourly counts (ascending) with a baseline (median of up to 24 preceding hours) and spike flag. */
export function markSpikes(hours: ReadonlyArray<{ hour: string; events: number }>, rule: Partial<SpikeRule> = {}): HourVolume[] {
  const factor = rule.factor ?? 3;
  const minEvents = rule.minEvents ?? 50;
  return hours.map((h, i) => {
    const window = hours.slice(Math.max(0, i - 24), i).map((x) => x.events).sort((a, b) => a - b);
    const baseline = window.length ? quantile(window, 0.5) : null;
    const spike = baseline !== null && h.events >= minEvents && h.events >= baseline * factor;
    return { hour: h.hour, events: h.events, baseline, spike };
  });
}

export const dayOf = (ts: string) => ts.slice(0, 10);
export const hourOf = (ts: string) => `${ts.slice(0, 13)}:00:00Z`;
