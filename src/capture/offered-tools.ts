/** The tools a model call offered, by name, whatever request shape the integration built. */

/**
 * The names of the tools offered, in each provider's request shape: OpenAI (`function.name`),
 * Anthropic and LangChain tools (`name`), Bedrock Converse (`toolSpec.name`), Gemini
 * (`functionDeclarations[].name`).
 */
export function toolNames(tools: unknown): string[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.flatMap((t: { name?: string; function?: { name?: string }; toolSpec?: { name?: string }; functionDeclarations?: Array<{ name?: string }> }) =>
    Array.isArray(t?.functionDeclarations) ? t.functionDeclarations.map((f) => String(f?.name ?? "unknown")) : [String(t?.function?.name ?? t?.toolSpec?.name ?? t?.name ?? "unknown")],
  );
}
