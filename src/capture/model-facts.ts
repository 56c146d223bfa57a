/**
 * What a model call really did, read from where each provider puts it rather than from LangChain's
 * aggregate alone: the model that answered (not the alias asked for), the response id, why it
 * stopped, the usage the provider counted, its fingerprint and service tier, a refusal, and the
 * content with streamed pieces put back together.
 *
 * Streams need care. LangChain sums every chunk's `usage_metadata`, but providers send running
 * totals: Anthropic's `message_start` says 1 output token and its `message_delta` the total (the
 * sum is one too many), Gemini repeats the running total on every chunk (the sum is orders of
 * magnitude too many). So a stream's usage is taken field by field as the largest value any chunk
 * reported (`StreamFacts`), which is the provider's own final count for all of them; where that
 * disagrees with LangChain's aggregate, the provider's is recorded and LangChain's is kept beside
 * it (`langchain_usage`).
 */
import { usageFromLlmOutput, usageFromMetadata } from "./usage.js";
import { type TokenUsage } from "../events/usage.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** What a stream's chunks said, gathered per model run as they arrive (handleLLMNewToken). */
export class StreamFacts {
  chunks = 0;
  /** When the first chunk carrying content (text or a tool call) arrived. */
  firstContentAt: number | undefined;
  /** Largest value of each usage field any chunk reported. */
  private usage: TokenUsage | undefined;
  /** The chunks' response metadata and additional kwargs, later values over earlier ones. */
  readonly metadata: Obj = {};

  /** `at`: the time the chunk arrived; `token`: its text. */
  note(chunk: unknown, token: string, at: number): void {
    this.chunks++;
    const message = isObj(chunk) && isObj(chunk.message) ? chunk.message : undefined;
    // Without the chunk an empty token cannot be told from an empty chunk, but the integrations that
    // pass none (@langchain/google-genai) report only chunks with content: a streamed Gemini tool
    // call arrives as a text-less functionCall chunk, and that is its first token.
    const contentUnknown = chunk === undefined;
    if (this.firstContentAt === undefined && (token !== "" || contentUnknown || hasToolCallChunk(message))) this.firstContentAt = at;
    if (!message) {
      // A completion model's chunk: its generation info is its metadata.
      if (isObj(chunk) && isObj(chunk.generationInfo)) mergeScalars(this.metadata, chunk.generationInfo);
      return;
    }
    const usage = usageFromMetadata(message.usage_metadata);
    if (usage) this.usage = this.usage ? maxUsage(this.usage, usage) : usage;
    if (isObj(message.response_metadata)) mergeScalars(this.metadata, message.response_metadata);
    if (isObj(message.additional_kwargs)) mergeScalars(this.metadata, message.additional_kwargs);
  }

  get providerUsage(): TokenUsage | undefined {
    return this.usage && { ...this.usage };
  }
}

function hasToolCallChunk(message: Obj | undefined): boolean {
  const calls = message?.tool_call_chunks;
  return Array.isArray(calls) && calls.length > 0;
}

/** Scalars (and small objects such as a raw `usage`) of `from` into `into`; null never overwrites. */
function mergeScalars(into: Obj, from: Obj): void {
  for (const key in from) {
    const v = from[key];
    if (v === null || v === undefined || v === "") continue;
    if (isObj(v) && isObj(into[key])) into[key] = { ...(into[key] as Obj), ...v };
    else into[key] = v;
  }
}

function maxUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const out: TokenUsage = {
    input_tokens: Math.max(a.input_tokens, b.input_tokens),
    output_tokens: Math.max(a.output_tokens, b.output_tokens),
    total_tokens: 0,
  };
  for (const key of ["cache_read_tokens", "cache_creation_tokens", "cache_creation_1h_tokens", "reasoning_tokens"] as const) {
    const v = Math.max(a[key] ?? 0, b[key] ?? 0);
    if (v) out[key] = v;
  }
  out.total_tokens = out.input_tokens + out.output_tokens;
  return out;
}

export interface ModelFacts {
  model?: string;
  response_id?: string;
  finish_reason?: string;
  stop_sequence?: string;
  usage?: TokenUsage;
  /** LangChain's aggregate usage, kept when it differs from the provider's count. */
  langchain_usage?: TokenUsage;
  system_fingerprint?: string;
  service_tier?: string;
  refusal?: string;
  /** The output's content blocks with streamed pieces reassembled, when that changed anything. */
  content?: unknown;
}

export interface ModelCallResult {
  message: Obj | undefined;
  llmOutput: Obj | undefined;
  generationInfo: Obj | undefined;
  stream: StreamFacts | undefined;
  /** The model asked for, when the response does not name the one that answered. */
  requestedModel?: string;
}

/** LangChain names a message it could not give a provider id `run-<run id>` (or `lc_run--…`). */
const LANGCHAIN_ID = /^(?:run-|lc_run-)/;

export function modelFacts({ message, llmOutput, generationInfo, stream, requestedModel }: ModelCallResult): ModelFacts {
  const rm = isObj(message?.response_metadata) ? message.response_metadata : {};
  const kw = isObj(message?.additional_kwargs) ? message.additional_kwargs : {};
  const sm = stream?.metadata ?? {};
  const out = isObj(llmOutput) ? llmOutput : {};
  const info = generationInfo ?? {};
  // The provider's body itself, when the model was asked to keep it (`__includeRawResponse` in
  // @langchain/openai: the only place a non-streamed call's `service_tier` survives).
  const raw = isObj(kw.__raw_response) ? kw.__raw_response : {};
  // Bedrock's ConverseStream events, merged into the message under their own names.
  const bedrockStop = isObj(rm.messageStop) ? rm.messageStop : {};
  const bedrockMeta = isObj(rm.metadata) ? rm.metadata : {};
  // Each fact from the first place that has it: the provider's body, the final message, then
  // what the stream said.
  const first = (...keys: string[]): unknown => {
    for (const source of [raw, rm, bedrockStop, kw, out, info, sm]) {
      for (const key of keys) {
        const v = source[key];
        if (v !== undefined && v !== null && v !== "") return v;
      }
    }
    return undefined;
  };
  const facts: ModelFacts = {};
  const model = str(first("model_name", "model", "modelVersion", "model_version", "modelId"));
  if (model) facts.model = model;
  const messageId = str(message?.id);
  const id = str(first("id", "responseId", "response_id")) ?? (messageId && !LANGCHAIN_ID.test(messageId) ? messageId : undefined) ?? str((rm.$metadata as Obj | undefined)?.requestId);
  if (id) facts.response_id = id;
  const finish = first("finish_reason", "stop_reason", "done_reason", "stopReason", "finishReason", "status");
  if (typeof finish === "string" && finish) facts.finish_reason = finish;
  const stopSequence = str(first("stop_sequence"));
  if (stopSequence) facts.stop_sequence = stopSequence;
  const fingerprint = str(first("system_fingerprint"));
  if (fingerprint) facts.system_fingerprint = fingerprint;
  const rawUsage = isObj(rm.usage) ? rm.usage : isObj(sm.usage) ? (sm.usage as Obj) : undefined;
  const tier = str(first("service_tier")) ?? str(rawUsage?.service_tier);
  if (tier) facts.service_tier = tier;
  const refusal = str(kw.refusal) ?? refusalBlock(message?.content) ?? chatCompletionsRefusal(raw);
  if (refusal) facts.refusal = refusal;

  const langchain = usageFromMetadata(message?.usage_metadata) ?? usageFromLlmOutput(llmOutput);
  const bedrockRaw = isObj(bedrockMeta.usage) ? bedrockMeta.usage : rawUsage;
  let provider = stream?.providerUsage ?? (rawUsage ? anthropicUsage(rawUsage) : undefined) ?? (bedrockRaw ? bedrockUsage(bedrockRaw) : undefined) ?? langchain;
  if (provider) {
    // The 1-hour cache-write share is only in Anthropic's raw usage; prices differ by duration.
    const oneHour = rawUsage ? num((rawUsage.cache_creation as Obj | undefined)?.ephemeral_1h_input_tokens) : undefined;
    if (oneHour) provider = { ...provider, cache_creation_1h_tokens: oneHour };
    provider = withGeminiThoughts(provider, facts.model ?? requestedModel);
    facts.usage = provider;
    if (langchain && !sameCounts(langchain, provider)) facts.langchain_usage = langchain;
  }
  const content = assembleContent(message?.content);
  if (content !== undefined) facts.content = content;
  return facts;
}

/**
 * The facts an `llm_end` event records beside the model and output, in the event's field names;
 * `clip` bounds free text (a refusal). Shared by the callback handler and the agent middleware so
 * both modes record the same call the same way.
 */
export function factFields(facts: ModelFacts, clip: (s: string) => string): Obj {
  const data: Obj = {};
  if (facts.response_id) data.response_id = facts.response_id;
  if (facts.usage) data.usage = facts.usage;
  if (facts.langchain_usage) data.langchain_usage = facts.langchain_usage;
  if (facts.finish_reason !== undefined) data.finish_reason = facts.finish_reason;
  if (facts.stop_sequence) data.stop_sequence = facts.stop_sequence;
  if (facts.refusal) data.refusal = clip(facts.refusal);
  if (facts.system_fingerprint) data.system_fingerprint = facts.system_fingerprint;
  if (facts.service_tier) data.service_tier = facts.service_tier;
  return data;
}

/** The cost a provider reported itself, where LangChain integrations put one. */
export function reportedCost(message: Obj | undefined, llmOutput: Obj | undefined): unknown {
  const rm = isObj(message?.response_metadata) ? message.response_metadata : undefined;
  return rm?.cost ?? llmOutput?.cost;
}

/**
 * Gemini counts thinking apart from the answer (`thoughtsTokenCount`) and in its total, and bills it
 * as output; @langchain/google-genai keeps only the answer's count and the total. The difference is
 * the thinking: it is added to the output (as OpenAI's counts include reasoning) and said as
 * `reasoning_tokens`, so the cost is the billed one.
 */
function withGeminiThoughts(usage: TokenUsage, model: string | undefined): TokenUsage {
  if (!model || !/^(?:models\/)?gemini/i.test(model) || usage.reasoning_tokens) return usage;
  const unattributed = usage.total_tokens - usage.input_tokens - usage.output_tokens;
  if (unattributed <= 0) return usage;
  return { ...usage, output_tokens: usage.output_tokens + unattributed, reasoning_tokens: unattributed };
}

/** Anthropic's raw `usage` (non-streamed): input counts its cache reads and writes separately. */
function anthropicUsage(raw: Obj): TokenUsage | undefined {
  const input = num(raw.input_tokens);
  const output = num(raw.output_tokens);
  const read = num(raw.cache_read_input_tokens);
  const write = num(raw.cache_creation_input_tokens);
  if (input === undefined || output === undefined || (read === undefined && write === undefined)) return undefined;
  const allInput = input + (read ?? 0) + (write ?? 0);
  const usage: TokenUsage = { input_tokens: allInput, output_tokens: output, total_tokens: allInput + output };
  if (read) usage.cache_read_tokens = read;
  if (write) usage.cache_creation_tokens = write;
  return usage;
}

/**
 * Bedrock Converse's own `usage` (camelCase; streamed in the `metadata` event, which LangChain
 * drops from `usage_metadata` when `streamUsage` is off): `inputTokens` leaves out cache reads
 * and writes, which are counted here as input like every other provider's.
 */
function bedrockUsage(raw: Obj): TokenUsage | undefined {
  const input = num(raw.inputTokens);
  const output = num(raw.outputTokens);
  if (input === undefined || output === undefined) return undefined;
  const read = num(raw.cacheReadInputTokens);
  const write = num(raw.cacheWriteInputTokens);
  const allInput = input + (read ?? 0) + (write ?? 0);
  const usage: TokenUsage = { input_tokens: allInput, output_tokens: output, total_tokens: num(raw.totalTokens) ?? allInput + output };
  if (read) usage.cache_read_tokens = read;
  if (write) usage.cache_creation_tokens = write;
  return usage;
}

function sameCounts(a: TokenUsage, b: TokenUsage): boolean {
  return (
    a.input_tokens === b.input_tokens &&
    a.output_tokens === b.output_tokens &&
    (a.cache_read_tokens ?? 0) === (b.cache_read_tokens ?? 0) &&
    (a.cache_creation_tokens ?? 0) === (b.cache_creation_tokens ?? 0) &&
    (a.reasoning_tokens ?? 0) === (b.reasoning_tokens ?? 0)
  );
}

/**
 * A Chat Completions refusal (`choices[0].message.refusal`, content null): @langchain/openai does
 * not carry it onto the message, so only the raw body (`__includeRawResponse`) still has it.
 */
function chatCompletionsRefusal(raw: Obj): string | undefined {
  const choice = Array.isArray(raw.choices) ? raw.choices[0] : undefined;
  return isObj(choice) && isObj(choice.message) ? str(choice.message.refusal) : undefined;
}

function refusalBlock(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  for (const b of content) if (isObj(b) && b.type === "refusal" && typeof b.refusal === "string") return b.refusal;
  return undefined;
}

/**
 * A streamed message's content blocks as the provider meant them: LangChain leaves a tool call's
 * JSON as `input_json_delta` pieces after an empty `tool_use` block, and `index` keys on every
 * block. Undefined when the content needed nothing.
 */
export function assembleContent(content: unknown): unknown[] | undefined {
  if (!Array.isArray(content) || !content.some((b) => isObj(b) && ("index" in b || b.type === "input_json_delta"))) return undefined;
  const out: Obj[] = [];
  const toolByIndex = new Map<unknown, { block: Obj; json: string }>();
  for (const raw of content) {
    if (!isObj(raw)) continue;
    const { index, ...block } = raw;
    if (block.type === "input_json_delta") {
      const tool = toolByIndex.get(index);
      if (tool) tool.json += typeof block.input === "string" ? block.input : "";
      continue;
    }
    if (block.type === "tool_use" || block.type === "server_tool_use") {
      const tool = { block, json: typeof block.input === "string" ? block.input : "" };
      toolByIndex.set(index, tool);
    }
    out.push(block);
  }
  for (const { block, json } of toolByIndex.values()) {
    if (typeof block.input !== "string") continue;
    try {
      block.input = json.trim() ? JSON.parse(json) : {};
    } catch {
      block.input = json; // not JSON after all: the text as sent
    }
  }
  return out;
}
