/**
 * Numbers for people, the one way every command prints them: money ("$12.34", "$0.0042",
 * "<$0.0001"), durations ("850 ms", "1.2 s", "3 min 4 s") and counted nouns ("1 model call",
 * "2 model calls").
 */

/**
 * US dollars. A cent or more: two decimals with thousands separators. Below a cent, two
 * significant digits, since "$0.00" would hide what a cheap call costs; below $0.0001, "<$0.0001".
 */
export function formatMoney(usd: number): string {
  if (!Number.isFinite(usd)) return "-";
  if (usd < 0) return `-${formatMoney(-usd)}`;
  if (usd === 0) return "$0.00";
  if (usd < 0.0001) return "<$0.0001";
  if (usd < 0.01) {
    // Two significant digits, trailing zeros dropped: 0.0042 → "0.0042", 0.00500 → "0.005".
    return `$${String(Number(usd.toPrecision(2)))}`;
  }
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Milliseconds as "850 ms", "1.2 s", "42 s", "3 min 4 s", "2 h 5 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) {
    const s = Math.round(ms / 100) / 10;
    return s >= 10 ? "10 s" : `${s} s`;
  }
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) {
    const s = totalSeconds % 60;
    return s ? `${totalMinutes} min ${s} s` : `${totalMinutes} min`;
  }
  const h = Math.floor(totalMinutes / 60);
  const m = totalMinutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** "1 model call", "2 model calls", "0 events"; `many` for irregular plurals ("1 entry", "3 entries"). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
