/**
 * Token usage in one normalized shape, from wherever the provider put it.
 *
 * LangChain v1 models report `usage_metadata` on the AI message (with cache and reasoning details);
 * older integrations put camelCase `tokenUsage` (or `estimatedTokenUsage`) in `llmOutput`, and some
 * put snake_case `usage` there.
 */
import type { TokenUsage } from "../events/usage.js";

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

interface UsageMetadata {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_token_details?: { cache_read?: number; cache_creation?: number };
  output_token_details?: { reasoning?: number };
}

export function usageFromMetadata(meta: unknown): TokenUsage | undefined {
  if (!meta || typeof meta !== "object") return undefined;
  const m = meta as UsageMetadata;
  const input = num(m.input_tokens);
  const output = num(m.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const usage: TokenUsage = {
    input_tokens: input ?? 0,
    output_tokens: output ?? 0,
    total_tokens: num(m.total_tokens) ?? (input ?? 0) + (output ?? 0),
  };
  const cacheRead = num(m.input_token_details?.cache_read);
  if (cacheRead) usage.cache_read_tokens = cacheRead;
  const cacheCreation = num(m.input_token_details?.cache_creation);
  if (cacheCreation) usage.cache_creation_tokens = cacheCreation;
  const reasoning = num(m.output_token_details?.reasoning);
  if (reasoning) usage.reasoning_tokens = reasoning;
  return usage;
}

export function usageFromLlmOutput(llmOutput: unknown): TokenUsage | undefined {
  if (!llmOutput || typeof llmOutput !== "object") return undefined;
  const o = llmOutput as Record<string, Record<string, unknown> | undefined>;
  const camel = o.tokenUsage ?? o.estimatedTokenUsage;
  if (camel && typeof camel === "object") {
    const input = num(camel.promptTokens);
    const output = num(camel.completionTokens);
    if (input !== undefined || output !== undefined) {
      return { input_tokens: input ?? 0, output_tokens: output ?? 0, total_tokens: num(camel.totalTokens) ?? (input ?? 0) + (output ?? 0) };
    }
  }
  const snake = o.usage ?? o.token_usage;
  if (snake && typeof snake === "object") {
    const input = num(snake.prompt_tokens) ?? num(snake.input_tokens);
    const output = num(snake.completion_tokens) ?? num(snake.output_tokens);
    if (input !== undefined || output !== undefined) {
      return { input_tokens: input ?? 0, output_tokens: output ?? 0, total_tokens: num(snake.total_tokens) ?? (input ?? 0) + (output ?? 0) };
    }
  }
  return undefined;
}

/** Adds `b` into `into` (for per-invocation totals). */
export function addUsage(into: TokenUsage, b: TokenUsage): void {
  into.input_tokens += b.input_tokens;
  into.output_tokens += b.output_tokens;
  into.total_tokens += b.total_tokens;
  for (const key of ["cache_read_tokens", "cache_creation_tokens", "cache_creation_1h_tokens", "reasoning_tokens"] as const) {
    if (b[key]) into[key] = (into[key] ?? 0) + b[key]!;
  }
}
