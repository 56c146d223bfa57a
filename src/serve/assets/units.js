// Numbers with their units, the same way on every page.

/** A duration: "0.42 ms", "37 ms", "1.25 s", "2.3 min". */
export function duration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return "—";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 59_995) return `${(ms / 1000).toFixed(2)} s`; // not "60.00 s"
  return `${(ms / 60_000).toFixed(1)} min`;
}

/**
 * A cost in US dollars. Below a tenth of a cent it reads "<$0.001" (the exact figure is in
 * `exactCost`, shown as a tooltip), below a dollar three decimals, above two.
 */
export function cost(usd) {
  if (usd === undefined || usd === null || !Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0.00";
  if (usd < 0.001) return "<$0.001";
  if (usd < 1) return `$${usd.toFixed(3)}`;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** The unrounded cost, for a tooltip: "$0.000412". */
export function exactCost(usd) {
  return usd === undefined || usd === null || !Number.isFinite(usd) ? "" : `$${usd.toFixed(6).replace(/0+$/, "").replace(/\.$/, ".00")}`;
}

export function count(n) {
  return n === undefined || n === null ? "—" : Number(n).toLocaleString("en-US");
}

/** "1,339 tokens (1,193 in / 146 out)" from a normalized usage object. */
export function tokens(usage) {
  if (!usage || typeof usage !== "object") return "";
  const total = usage.total_tokens ?? (usage.input_tokens ?? 0) + (usage.output_tokens ?? 0);
  const parts = usage.input_tokens !== undefined || usage.output_tokens !== undefined ? ` (${count(usage.input_tokens ?? 0)} in / ${count(usage.output_tokens ?? 0)} out)` : "";
  return `${count(total)} tokens${parts}`;
}

/** "2026-12-07 15:18:43" from an ISO timestamp (UTC, as recorded). */
export function when(ts) {
  return typeof ts === "string" ? ts.replace("T", " ").slice(0, 19) : "";
}
