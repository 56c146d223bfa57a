/**
 * Token prices per model, in US dollars per million tokens, used to put a `cost` on model calls
 * whose provider did not report one. Figures are the providers' public list prices, standard tier,
 * as read on the pages in PRICE_SOURCES; they change, so override them:
 * `createAuditTrail({ prices: { "my-model": { input: 1, output: 2 } } })`.
 *
 * Usage follows LangChain's convention: `input_tokens` counts every input token, and the cache
 * reads and writes are parts of it; reasoning tokens are part of `output_tokens` and are billed as
 * output by every provider listed here.
 */
export interface ModelPrice {
  /** $ per 1M input (prompt) tokens. */
  input: number;
  /** $ per 1M output (completion) tokens, reasoning included. */
  output: number;
  /** $ per 1M cached input tokens read, when the provider discounts them. */
  cached?: number;
  /** $ per 1M input tokens written to the prompt cache (Anthropic: 5-minute lifetime), when dearer than input. */
  cache_write?: number;
  /** $ per 1M input tokens written to the cache with a one-hour lifetime (Anthropic). */
  cache_write_1h?: number;
}

/** Where each family's prices come from, and when they were read. */
export const PRICE_SOURCES = [
  { family: "OpenAI", url: "https://platform.openai.com/docs/pricing", read: "2025-11-20" },
  { family: "Anthropic", url: "https://docs.claude.com/en/docs/about-claude/pricing", read: "2025-11-20" },
  { family: "Google Gemini", url: "https://ai.google.dev/gemini-api/docs/pricing", read: "2025-11-20" },
] as const;

/** Anthropic bills cache writes at 1.25× input (5 minutes) or 2× (1 hour), and reads at 0.1×. */
const anthropic = (input: number, output: number): ModelPrice => ({ input, output, cached: input / 10, cache_write: input * 1.25, cache_write_1h: input * 2 });

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-5": { input: 1.25, output: 10, cached: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cached: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cached: 0.005 },
  "gpt-4o": { input: 2.5, output: 10, cached: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cached: 0.075 },
  "gpt-4.1": { input: 2, output: 8, cached: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cached: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cached: 0.025 },
  "o1": { input: 15, output: 60, cached: 7.5 },
  "o3": { input: 2, output: 8, cached: 0.5 },
  "o3-mini": { input: 1.1, output: 4.4, cached: 0.55 },
  "o4-mini": { input: 1.1, output: 4.4, cached: 0.275 },
  "claude-3-haiku": anthropic(0.25, 1.25),
  "claude-3-5-haiku": anthropic(0.8, 4),
  "claude-haiku-4-5": anthropic(1, 5),
  "claude-3-5-sonnet": anthropic(3, 15),
  "claude-3-7-sonnet": anthropic(3, 15),
  "claude-sonnet-4": anthropic(3, 15),
  "claude-sonnet-4-5": anthropic(3, 15),
  "claude-opus-4": anthropic(15, 75),
  "claude-opus-4-1": anthropic(15, 75),
  "claude-opus-4-5": anthropic(5, 25),
  "gemini-1.5-flash": { input: 0.075, output: 0.3 },
  "gemini-1.5-pro": { input: 1.25, output: 5 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4, cached: 0.025 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cached: 0.03 },
  "gemini-2.5-flash-lite": { input: 0.1, output: 0.4, cached: 0.01 },
  "gemini-2.5-pro": { input: 1.25, output: 10, cached: 0.125 },
};

/**
 * Service tiers whose price is a fixed share of the standard one, by the tier name the response
 * gives (`service_tier`): OpenAI's flex and Batch API, Anthropic's Message Batches, both half price.
 */
export const TIER_FACTORS: Readonly<Record<string, number>> = { flex: 0.5, batch: 0.5 };
/** Tiers that are the standard price. */
const STANDARD_TIERS = new Set(["default", "standard", "auto", "on_demand"]);

/** The price of a model: exact name first, then the longest known prefix (dated versions). */
export function priceFor(model: string | undefined, prices: Readonly<Record<string, ModelPrice>>): ModelPrice | undefined {
  if (!model) return undefined;
  // Gemini's "models/…"; Bedrock's "anthropic.…" and cross-region "us.anthropic.…" ids, whose
  // list prices are the vendor's own.
  const name = model
    .toLowerCase()
    .replace(/^models\//, "")
    .replace(/^(?:(?:us|eu|apac|global)\.)?(?:anthropic|openai|google)\./, "");
  if (prices[name]) return prices[name];
  let best: string | undefined;
  for (const key of Object.keys(prices)) if (name.startsWith(key) && (!best || key.length > best.length)) best = key;
  return best ? prices[best] : undefined;
}

type PricedUsage = { input_tokens?: number; output_tokens?: number; cache_read_tokens?: number; cache_creation_tokens?: number; cache_creation_1h_tokens?: number };

/**
 * Dollars for one call's usage at standard-tier prices, to a billionth of a dollar: a small
 * model's call costs a few millionths, and rounding each to a millionth would bias every sum.
 */
export function costOf(usage: PricedUsage | undefined, price: ModelPrice): number | undefined {
  if (!usage || (usage.input_tokens === undefined && usage.output_tokens === undefined)) return undefined;
  const read = usage.cache_read_tokens ?? 0;
  const written = usage.cache_creation_tokens ?? 0;
  const written1h = Math.min(written, usage.cache_creation_1h_tokens ?? 0);
  const fresh = Math.max(0, (usage.input_tokens ?? 0) - read - written);
  // $ per 1M tokens × tokens: millionths of a dollar.
  const micros =
    fresh * price.input +
    read * (price.cached ?? price.input) +
    (written - written1h) * (price.cache_write ?? price.input) +
    written1h * (price.cache_write_1h ?? price.cache_write ?? price.input) +
    (usage.output_tokens ?? 0) * price.output;
  return Math.round(micros * 1000) / 1e9;
}

/**
 * The cost fields of an `llm_end` event: the provider's own figure when it reported one, else the
 * price table's at the response's service tier, else `cost_source: "unknown"` (never a made-up 0).
 */
export function costFields(reported: unknown, usage: PricedUsage | undefined, model: string | undefined, tier: string | undefined, prices: Readonly<Record<string, ModelPrice>>): { cost?: number; cost_source?: string; cost_note?: string } {
  if (typeof reported === "number" && Number.isFinite(reported)) return { cost: reported, cost_source: "provider" };
  if (!usage) return {};
  const price = priceFor(model, prices);
  const standard = price ? costOf(usage, price) : undefined;
  if (standard === undefined) return { cost_source: "unknown" };
  if (tier === undefined || STANDARD_TIERS.has(tier)) return { cost: standard, cost_source: "price_table" };
  const factor = TIER_FACTORS[tier];
  if (factor !== undefined) return { cost: Math.round(standard * factor * 1e9) / 1e9, cost_source: "price_table", cost_note: `${tier} tier: ${factor}× the standard price` };
  return { cost: standard, cost_source: "price_table", cost_note: `priced at the standard tier: the table has no price for the ${tier} tier` };
}
