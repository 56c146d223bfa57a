/** Token usage in one normalized shape: what capture records and what sinks and prices read. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Input tokens served from the provider's prompt cache. */
  cache_read_tokens?: number;
  /** Input tokens written to the provider's prompt cache. */
  cache_creation_tokens?: number;
  /** Of those, the tokens written with a one-hour lifetime (Anthropic), priced higher than five minutes. */
  cache_creation_1h_tokens?: number;
  /** Output tokens spent on hidden reasoning. */
  reasoning_tokens?: number;
}
