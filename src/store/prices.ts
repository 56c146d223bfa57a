/**
 * Token prices per model, in US dollars per million tokens, used to put a `cost` on model calls
 * whose provider did not report one. Figures are the providers' public list prices (OpenAI,
 * Anthropic and Google pricing pages, standard tier, as of 2025); they change, so override them:
 * `createAuditTrail({ prices: { "my-model": { input: 1, output: 2 } } })`.
 */
export interface ModelPrice {
  /** $ per 1M input (prompt) tokens. */
  input: number;
  /** $ per 1M output (completion) tokens. */
  output: number;
  /** $ per 1M cached input tokens read, when the provider discounts them. */
  cached?: number;
}

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gpt-4o": { input: 2.5, output: 10, cached: 1.25 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, cached: 0.075 },
  "gpt-4.1": { input: 2, output: 8, cached: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cached: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cached: 0.025 },
  "o3": { input: 2, output: 8, cached: 0.5 },
  "o4-mini": { input: 1.1, output: 4.4, cached: 0.275 },
  "claude-3-5-haiku": { input: 0.8, output: 4, cached: 0.08 },
  "claude-3-5-sonnet": { input: 3, output: 15, cached: 0.3 },
  "claude-3-7-sonnet": { input: 3, output: 15, cached: 0.3 },
  "claude-sonnet-4": { input: 3, output: 15, cached: 0.3 },
  "claude-opus-4": { input: 15, output: 75, cached: 1.5 },
  "gemini-1.5-flash": { input: 0.075, output: 0.3 },
  "gemini-1.5-pro": { input: 1.25, output: 5 },
  "gemini-2.0-flash": { input: 0.1, output: 0.4 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5 },
  "gemini-2.5-pro": { input: 1.25, output: 10 },
};

/** The price of a model: exact name first, then the longest known prefix (dated versions). */
export function priceFor(model: string | undefined, prices: Readonly<Record<string, ModelPrice>>): ModelPrice | undefined {
  if (!model) return undefined;
  const name = model.toLowerCase().replace(/^models\//, "");
  if (prices[name]) return prices[name];
  let best: string | undefined;
  for (const key of Object.keys(prices)) if (name.startsWith(key) && (!best || key.length > best.length)) best = key;
  return best ? prices[best] : undefined;
}

/** Dollars for one call's usage, rounded to a millionth of a dollar. */
export function costOf(usage: { input_tokens?: number; output_tokens?: number; cache_read_tokens?: number } | undefined, price: ModelPrice): number | undefined {
  if (!usage || (usage.input_tokens === undefined && usage.output_tokens === undefined)) return undefined;
  const cached = usage.cache_read_tokens ?? 0;
  const fresh = Math.max(0, (usage.input_tokens ?? 0) - cached);
  const dollars = (fresh * price.input + cached * (price.cached ?? price.input) + (usage.output_tokens ?? 0) * price.output) / 1e6;
  return Math.round(dollars * 1e6) / 1e6;
}
