/**
 * What the handler records of a model call: at its start the provider, the model asked for, the
 * settings, the tools offered and the messages or prompts sent (`llm_start`); as it streams, what
 * each chunk says; at its end the model that answered, the output, the provider's facts (usage,
 * stop reason, response id...), whether it really streamed, and its cost (`llm_end`), with the
 * call added to its trace's totals.
 *
 * The handler decides when these events are recorded and where they hang; this module only says
 * what they contain, so the handler's model callbacks stay a few lines each.
 */
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { type CaptureTrail } from "./trail-port.js";
import { toJson, truncateString } from "./serialize.js";
import { type SerializeLimits } from "../limits/capture-limits.js";
import { compactMessage, isLangChainMessage } from "./messages.js";
import { addUsage } from "./usage.js";
import { factFields, modelFacts, reportedCost, StreamFacts, type ModelFacts } from "./model-facts.js";
import { toolNames } from "./offered-tools.js";
import { costFields } from "../pricing/prices.js";
import { type RunState } from "./runs.js";
import { declaresStreaming, nameOf, now, round, str } from "./callback-values.js";

/** What `handleChatModelStart` / `handleLLMStart` were given. */
export interface ModelCallStart {
  llm: Serialized;
  extraParams: Record<string, unknown> | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The messages (chat models) or prompts (completion models) sent. */
  input: unknown;
  field: "messages" | "prompts";
}

/**
 * Providers whose LangChain integration sends `stream: true` on every request whatever it was
 * built with: @langchain/ollama's `_generate` consumes its own stream (no `stream: false` call
 * exists), and its parameters never say so.
 */
const ALWAYS_STREAM = new Set(["ollama"]);

const invocationParams = (call: ModelCallStart) => (call.extraParams?.invocation_params ?? {}) as Record<string, unknown>;

/** A model run's name: the run's own, else the model LangChain names, else the component's. */
export function modelRunName(call: ModelCallStart, runName: string | undefined): string {
  return runName ?? str(call.metadata?.ls_model_name) ?? nameOf(call.llm, "model");
}

/** Notes on the run the provider and the model asked for. */
export function identifyModel(run: RunState, call: ModelCallStart): void {
  const params = invocationParams(call);
  run.provider = str(call.metadata?.ls_provider);
  run.model = str(call.metadata?.ls_model_name) ?? str(params.model) ?? str(params.model_name) ?? str(params.modelName);
}

/** The `llm_start` event's data. */
export function modelStartData(run: RunState, call: ModelCallStart, limits: SerializeLimits): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (run.provider) data.provider = run.provider;
  if (run.model) data.model = run.model;
  const modelType = str(call.metadata?.ls_model_type);
  if (modelType) data.model_type = modelType;
  const { tools, functions, ...settings } = invocationParams(call);
  // Integrations whose parameters never say (Gemini) still stream when built with
  // `streaming: true`. Whether a call really streamed is llm_end's `streamed`: .stream() on
  // a model built without the flag streams without any sign of it here.
  if (settings.stream === undefined && (declaresStreaming(call.llm) || ALWAYS_STREAM.has(run.provider ?? ""))) settings.stream = true;
  data.params = toJson(settings, limits);
  const callOptions = call.extraParams?.options as Record<string, unknown> | undefined;
  const toolConfig = settings.toolConfig as { tools?: unknown } | undefined; // Bedrock Converse
  const offered = toolNames(tools ?? functions ?? toolConfig?.tools ?? callOptions?.tools);
  if (offered) data.tools = offered;
  data[call.field] = call.field === "messages" ? toJson((call.input as BaseMessage[][])[0] ?? [], limits) : toJson(call.input, limits);
  return data;
}

/** A streamed chunk arrived (`handleLLMNewToken`). */
export function noteToken(run: RunState, token: string, chunk: unknown): void {
  (run.stream ??= new StreamFacts()).note(chunk, token, now());
}

/** What a finished model call returned, read once for its event, its trace and the output. */
export interface ModelResult {
  output: LLMResult;
  generations: LLMResult["generations"][number];
  first: { text?: string; message?: unknown; generationInfo?: Record<string, unknown> } | undefined;
  /** The first generation's message, when it is a LangChain message. */
  message: Record<string, unknown> | undefined;
  /** The first generation's message as it came (also when it is not a LangChain message). */
  rawMessage: unknown;
  facts: ModelFacts;
  model: string | undefined;
}

/**
 * Reads a finished call's result, notes on the run the model that answered, and adds the call
 * (its model and usage) to its trace's totals.
 */
export function settleModelCall(run: RunState, output: LLMResult): ModelResult {
  const generations = output?.generations?.[0] ?? [];
  const first = generations[0] as ModelResult["first"];
  const rawMessage = first?.message;
  const isMsg = typeof rawMessage === "object" && rawMessage !== null && isLangChainMessage(rawMessage);
  const message = isMsg ? (rawMessage as unknown as Record<string, unknown>) : undefined;
  const facts = modelFacts({
    message,
    llmOutput: output?.llmOutput,
    generationInfo: first?.generationInfo,
    stream: run.stream,
    requestedModel: run.model,
  });
  const usage = facts.usage;
  const model = facts.model ?? run.model;
  if (model) run.model = model;

  const trace = run.trace;
  trace.llmCalls++;
  if (model) trace.models.add(model);
  if (usage) {
    if (trace.usage) addUsage(trace.usage, usage);
    else trace.usage = { ...usage };
  }
  return { output, generations, first, message, rawMessage, facts, model };
}

/** The `llm_end` event's data. */
export function modelEndData(run: RunState, result: ModelResult, trail: CaptureTrail): Record<string, unknown> {
  const limits = trail.captureLimits;
  const { generations, first, message, facts, model } = result;
  const data: Record<string, unknown> = {};
  if (run.provider) data.provider = run.provider;
  if (model) data.model = model;
  if (generations.length > 1) {
    data.outputs = generations.map((g) => toJson((g as { message?: unknown }).message ?? g.text, limits));
  } else if (message) {
    const compact = compactMessage(message as never);
    if (facts.content !== undefined) compact.content = facts.content;
    data.output = toJson(compact, limits);
  } else if (first) {
    data.output = truncateString(String(first.text ?? ""), limits);
  }
  Object.assign(data, factFields(facts, (text) => truncateString(text, limits)));
  // What happened, whatever the parameters said: LangChain streams a plain invoke() when
  // a handler prefers streaming (stream events, LangGraph's "messages" mode). One "chunk"
  // alone is not a stream: some integrations (Gemini) report a whole answer as one token.
  if (run.stream && run.stream.chunks > 1) {
    data.streamed = true;
    data.chunks = run.stream.chunks;
    if (run.stream.firstContentAt !== undefined) data.time_to_first_token_ms = round(run.stream.firstContentAt - run.startedAt);
  }
  const reported = reportedCost(message, result.output?.llmOutput);
  Object.assign(data, costFields(reported, facts.usage, model, facts.service_tier, trail.prices));
  return data;
}
