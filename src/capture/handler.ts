/**
 * AuditCallbackHandler: a LangChain `BaseCallbackHandler` that turns a run's callbacks into audit
 * events. Drop it into any Runnable: `agent.invoke(input, { callbacks: [handler] })`.
 *
 * Like LangChain's own tracers it keeps one map of open runs keyed by run id, pairing each start
 * with its end, so one handler can serve many concurrent invocations and parallel tool calls that
 * finish in any order. It never throws into the user's run (unless `raiseError: true`); its own
 * failures are counted in `trail.stats().internal_errors`.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import type { DocumentInterface } from "@langchain/core/documents";
import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import * as z from "zod";
import type { EventType, Level, Status } from "../events/schema.js";
import { defaultTrail, type CaptureTrail } from "./trail-port.js";
import { parseOptions } from "../shared/config.js";
import { toJson, truncateString, type Json } from "./serialize.js";
import { type SerializeLimits } from "../limits/capture-limits.js";
import { errorType, describeError } from "../shared/errors.js";
import { compactMessage, isLangChainMessage, messageType } from "./messages.js";
import { extractInput, extractOutput, extractReasoning } from "./extract.js";
import { addUsage } from "./usage.js";
import { type TokenUsage } from "../events/usage.js";
import { factFields, modelFacts, reportedCost, StreamFacts } from "./model-facts.js";
import { runMetadata, runTags, sessionFrom, userFrom } from "./context.js";
import { graphNode } from "./graph-node.js";
import { rememberInterrupted, takeInterrupted } from "./pending-interrupts.js";
import { toolNames } from "./offered-tools.js";
import { costFields } from "../pricing/prices.js";

const optionsSchema = z
  .object({
    trail: z.custom<CaptureTrail>((v) => typeof v === "object" && v !== null && typeof (v as CaptureTrail).emit === "function", {
      message: "expected an AuditTrail from createAuditTrail()",
    }).optional(),
    sessionId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    raiseError: z.boolean().optional(),
    awaitHandlers: z.boolean().optional(),
  })
  .strict();
export type AuditHandlerOptions = z.input<typeof optionsSchema>;

type RunKind = "chain" | "llm" | "tool" | "retriever";

/** One invocation: everything under one root run. */
interface TraceState {
  traceId: string;
  sessionId: string | undefined;
  userId: string | undefined;
  runIds: string[];
  usage: TokenUsage | undefined;
  models: Set<string>;
  llmCalls: number;
  toolCalls: number;
  /** Errors already recorded lower in the tree: their propagation through parent chains is not news. */
  recordedErrors: WeakSet<object>;
  errorCount: number;
  /** Interrupts raised inside this invocation (LangGraph human-in-the-loop): it paused, not ended. */
  interrupts: unknown[] | undefined;
}

interface RunState {
  id: string;
  kind: RunKind;
  name: string;
  isRoot: boolean;
  /** Its start event was recorded, so its end will be too and children may hang from it. */
  recorded: boolean;
  /** Nearest recorded ancestor (what `parent_run_id` says); levels never break the tree. */
  recordedParentId: string | undefined;
  trace: TraceState;
  startedAt: number;
  tags: string[] | undefined;
  metadata: Record<string, unknown> | undefined;
  provider?: string;
  model?: string;
  /** What a streamed call's chunks said (model-facts.ts). */
  stream?: StreamFacts;
  toolCallId?: string;
  /** A LangGraph node the user wrote (recorded at debug, with the state update it returned). */
  graphNode?: boolean;
}

const now = () => performance.now();
const round = (ms: number) => Math.round(ms * 1000) / 1000;

const isGraphInterrupt = (err: unknown) => {
  const name = (err as { name?: string } | null)?.name;
  return name === "GraphInterrupt" || name === "NodeInterrupt";
};

export class AuditCallbackHandler extends BaseCallbackHandler {
  name = "AuditCallbackHandler";
  readonly trail: CaptureTrail;
  private readonly options: AuditHandlerOptions;
  private readonly runs = new Map<string, RunState>();
  private readonly baseTags: string[] | undefined;
  private readonly baseMetadata: Record<string, unknown> | undefined;

  constructor(options: AuditHandlerOptions = {}) {
    const opts = parseOptions("AuditCallbackHandler", optionsSchema, options);
    super({ raiseError: opts.raiseError ?? false });
    this.options = opts;
    this.trail = opts.trail ?? defaultTrail();
    // Awaited by default: when invoke() returns, every event of the run is recorded. Affordable
    // because capture is synchronous and cheap (see BENCHMARKS.md).
    this.awaitHandlers = opts.raiseError || (opts.awaitHandlers ?? true);
    const ctx = this.trail.context;
    const tags = [...(ctx.tags ?? []), ...(opts.tags ?? [])];
    this.baseTags = tags.length ? [...new Set(tags)] : undefined;
    const md = { ...ctx.metadata, ...opts.metadata };
    this.baseMetadata = Object.keys(md).length ? (toJson(md, this.trail.captureLimits) as Record<string, unknown>) : undefined;
  }

  /** A handler on the same trail with the same options (LangChain copies handlers in places). */
  override copy(): AuditCallbackHandler {
    return new AuditCallbackHandler(this.options);
  }

  /**
   * Where a run sits in what this handler recorded: its trace, session and user, and the nearest
   * recorded run at or above it. The agent middleware uses this to hang its events in the same tree.
   */
  contextOf(runId: string): { traceId: string; sessionId?: string; userId?: string; parentId: string | undefined } | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    return { traceId: run.trace.traceId, sessionId: run.trace.sessionId, userId: run.trace.userId, parentId: run.recorded ? run.id : run.recordedParentId };
  }

  /** Runs currently open (started, not yet ended). For tests and leak checks. */
  get openRuns(): number {
    return this.runs.size;
  }

  // ---- chains -------------------------------------------------------------------------------

  // @langchain/core 1.x calls this with (chain, inputs, runId, parentRunId, tags, metadata,
  // runType, runName, extra), not in the order its .d.ts declares; test/capture pins it.
  override handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ): void {
    try {
      // Should a later core release pass arguments in the declared order, the parent would be in
      // the 8th position; accept it there rather than start a spurious new trace per step.
      if (parentRunId !== undefined && !this.runs.has(parentRunId) && runName && this.runs.has(runName)) {
        [parentRunId, runName] = [runName, runType];
      }
      const run = this.startRun("chain", runId, parentRunId, runName ?? nameOf(chain, "chain"), tags, metadata);
      const node = run.isRoot ? undefined : graphNode(run.name, metadata);
      if (node) run.graphNode = true;
      this.emitStart(run, "chain_start", chainLevel(run), () => {
        const data: Record<string, unknown> = { inputs: toJson(inputs, this.trail.captureLimits) };
        if (node) Object.assign(data, node);
        return data;
      });
      if (run.isRoot) this.emitInput(run, () => this.withResumed(run, extractInput(inputs, this.trail.captureLimits)));
    } catch (err) {
      this.fail(err, "handleChainStart");
    }
  }

  override handleChainEnd(outputs: ChainValues, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      this.endChain(run, outputs);
    } catch (err) {
      this.fail(err, "handleChainEnd");
    }
  }

  override handleChainError(err: unknown, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      if (isGraphInterrupt(err)) {
        // A pause for a human (LangGraph interrupt), not a failure: the run resumes later.
        const raised = (err as { interrupts?: unknown }).interrupts;
        const interrupts = Array.isArray(raised) ? raised : [];
        // The graph catches the interrupt and its root ends normally; remember it for the root.
        (run.trace.interrupts ??= []).push(...interrupts);
        this.endRun(run, "chain_end", chainLevel(run), "interrupted", () => ({
          interrupts: toJson(interrupts, this.trail.captureLimits),
        }));
        if (run.isRoot) this.finishTrace(run, {});
        return;
      }
      this.endWithError(run, "chain_error", err);
    } catch (e) {
      this.fail(e, "handleChainError");
    }
  }

  // ---- models -------------------------------------------------------------------------------

  override handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    try {
      this.startModel(llm, runId, parentRunId, extraParams, tags, metadata, runName, messages, "messages");
    } catch (err) {
      this.fail(err, "handleChatModelStart");
    }
  }

  override handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): void {
    try {
      this.startModel(llm, runId, parentRunId, extraParams, tags, metadata, runName, prompts, "prompts");
    } catch (err) {
      this.fail(err, "handleLLMStart");
    }
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string, _parentRunId?: string, _tags?: string[], fields?: { chunk?: unknown }): void {
    try {
      const run = this.runs.get(runId);
      if (run) (run.stream ??= new StreamFacts()).note(fields?.chunk, token, now());
    } catch (err) {
      this.fail(err, "handleLLMNewToken");
    }
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      const limits = this.trail.captureLimits;
      const generations = output?.generations?.[0] ?? [];
      const first = generations[0] as { text?: string; message?: unknown; generationInfo?: Record<string, unknown> } | undefined;
      const message = first?.message;
      const isMsg = typeof message === "object" && message !== null && isLangChainMessage(message);
      const facts = modelFacts({
        message: isMsg ? (message as unknown as Record<string, unknown>) : undefined,
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

      this.endRun(run, "llm_end", "debug", "ok", () => {
        const data: Record<string, unknown> = {};
        if (run.provider) data.provider = run.provider;
        if (model) data.model = model;
        if (generations.length > 1) {
          data.outputs = generations.map((g) => toJson((g as { message?: unknown }).message ?? g.text, limits));
        } else if (isMsg) {
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
        const reported = reportedCost(isMsg ? (message as unknown as Record<string, unknown>) : undefined, output?.llmOutput);
        Object.assign(data, costFields(reported, usage, model, facts.service_tier, this.trail.prices));
        return data;
      });

      const reasoning = extractReasoning(message);
      if (reasoning && this.trail.isEnabled("debug")) {
        this.emit(run, "reasoning", "debug", toJson(reasoning, limits) as Record<string, unknown>, { under: run });
      }
      if (run.isRoot) this.finishTrace(run, output);
    } catch (err) {
      this.fail(err, "handleLLMEnd");
    }
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.recordFailure(runId, "llm_error", err, "handleLLMError");
  }

  // ---- tools --------------------------------------------------------------------------------

  override handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
    toolCallId?: string,
  ): void {
    try {
      const run = this.startRun("tool", runId, parentRunId, runName ?? nameOf(tool, "tool"), tags, metadata);
      if (toolCallId) run.toolCallId = toolCallId;
      run.trace.toolCalls++;
      this.emitStart(run, "tool_start", "info", () => {
        const data: Record<string, unknown> = { tool: run.name };
        if (toolCallId) data.tool_call_id = toolCallId;
        data.args = toJson(parseArgs(input), this.trail.captureLimits);
        return data;
      });
      if (run.isRoot) this.emitInput(run, () => ({ content: toJson(parseArgs(input), this.trail.captureLimits) }));
    } catch (err) {
      this.fail(err, "handleToolStart");
    }
  }

  override handleToolEnd(output: unknown, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      const limits = this.trail.captureLimits;
      const duration = now() - run.startedAt;
      const slow = duration > this.trail.slowToolMs;
      // A ToolMessage with status "error" is a tool that caught its own failure and said so.
      const toolMessage = typeof output === "object" && output !== null && isLangChainMessage(output) && messageType(output) === "tool" ? output : undefined;
      const reportedError = (toolMessage as { status?: string } | undefined)?.status === "error";
      const level: Level = slow || reportedError ? "warn" : "info";
      this.endRun(run, "tool_end", level, reportedError ? "error" : "ok", () => {
        const data: Record<string, unknown> = { tool: run.name };
        if (run.toolCallId) data.tool_call_id = run.toolCallId;
        if (toolMessage) {
          data.result = toJson(toolMessage.content, limits);
          const artifact = (toolMessage as { artifact?: unknown }).artifact;
          if (artifact !== undefined) data.artifact = toJson(artifact, limits);
        } else {
          data.result = toJson(output, limits);
        }
        if (slow) data.slow = { threshold_ms: this.trail.slowToolMs };
        return data;
      });
      if (run.isRoot) this.finishTrace(run, toolMessage ? toolMessage.content : output);
    } catch (err) {
      this.fail(err, "handleToolEnd");
    }
  }

  override handleToolError(err: unknown, runId: string): void {
    this.recordFailure(runId, "tool_error", err, "handleToolError");
  }

  // ---- retrievers ---------------------------------------------------------------------------

  override handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ): void {
    try {
      const run = this.startRun("retriever", runId, parentRunId, name ?? nameOf(retriever, "retriever"), tags, metadata);
      this.emitStart(run, "retriever_start", "info", () => ({ query: toJson(query, this.trail.captureLimits) }));
      if (run.isRoot) this.emitInput(run, () => ({ content: toJson(query, this.trail.captureLimits) }));
    } catch (err) {
      this.fail(err, "handleRetrieverStart");
    }
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      const docs = Array.isArray(documents) ? documents : [];
      this.endRun(run, "retriever_end", "info", "ok", () => ({
        count: docs.length,
        documents: toJson(
          docs.map((d) => ({ id: d?.id, page_content: d?.pageContent, metadata: d?.metadata })),
          this.trail.captureLimits,
        ),
      }));
      if (run.isRoot) this.finishTrace(run, { documents: docs.length });
    } catch (err) {
      this.fail(err, "handleRetrieverEnd");
    }
  }

  override handleRetrieverError(err: unknown, runId: string): void {
    this.recordFailure(runId, "retriever_error", err, "handleRetrieverError");
  }

  // ---- custom events and legacy agents ------------------------------------------------------

  override handleCustomEvent(eventName: string, data: unknown, runId: string, tags?: string[], metadata?: Record<string, unknown>): void {
    try {
      if (!this.trail.isEnabled("info")) return this.trail.countFiltered();
      const run = this.runs.get(runId);
      if (run) {
        this.emit(run, "custom", "info", { value: toJson(data, this.trail.captureLimits) }, { under: run, name: eventName });
        return;
      }
      // Dispatched outside any run this handler saw: record it with what context there is.
      this.trail.emit({
        level: "info",
        type: "custom",
        name: eventName,
        session_id: sessionFrom(this.options.sessionId, metadata, this.trail.context.sessionId),
        user_id: userFrom(this.options.userId, metadata, this.trail.context.userId),
        tags: runTags(this.baseTags, tags),
        data: { value: toJson(data, this.trail.captureLimits) },
      });
    } catch (err) {
      this.fail(err, "handleCustomEvent");
    }
  }

  /** Legacy AgentExecutor: the agent chose a tool. Recorded as reasoning (thought + planned call). */
  override handleAgentAction(action: AgentAction, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run || !this.trail.isEnabled("debug")) return;
      this.emit(run, "reasoning", "debug", toJson({ thought: action.log, tool_calls: [{ name: action.tool, args: action.toolInput }] }, this.trail.captureLimits) as Record<string, unknown>, { under: run });
    } catch (err) {
      this.fail(err, "handleAgentAction");
    }
  }

  /** Legacy AgentExecutor: the agent decided it is done. */
  override handleAgentEnd(finish: AgentFinish, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run || !this.trail.isEnabled("debug")) return;
      this.emit(run, "reasoning", "debug", toJson({ thought: finish.log, final: finish.returnValues }, this.trail.captureLimits) as Record<string, unknown>, { under: run });
    } catch (err) {
      this.fail(err, "handleAgentEnd");
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private startModel(
    llm: Serialized,
    runId: string,
    parentRunId: string | undefined,
    extraParams: Record<string, unknown> | undefined,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
    runName: string | undefined,
    input: unknown,
    field: "messages" | "prompts",
  ): void {
    const params = (extraParams?.invocation_params ?? {}) as Record<string, unknown>;
    const run = this.startRun("llm", runId, parentRunId, runName ?? str(metadata?.ls_model_name) ?? nameOf(llm, "model"), tags, metadata);
    run.provider = str(metadata?.ls_provider);
    run.model = str(metadata?.ls_model_name) ?? str(params.model) ?? str(params.model_name) ?? str(params.modelName);
    this.emitStart(run, "llm_start", "debug", () => {
      const limits = this.trail.captureLimits;
      const data: Record<string, unknown> = {};
      if (run.provider) data.provider = run.provider;
      if (run.model) data.model = run.model;
      const modelType = str(metadata?.ls_model_type);
      if (modelType) data.model_type = modelType;
      const { tools, functions, ...settings } = params;
      // Integrations whose parameters never say (Gemini) still stream when built with
      // `streaming: true`. Whether a call really streamed is llm_end's `streamed`: .stream() on
      // a model built without the flag streams without any sign of it here.
      if (settings.stream === undefined && declaresStreaming(llm)) settings.stream = true;
      data.params = toJson(settings, limits);
      const callOptions = extraParams?.options as Record<string, unknown> | undefined;
      const toolConfig = settings.toolConfig as { tools?: unknown } | undefined; // Bedrock Converse
      const offered = toolNames(tools ?? functions ?? toolConfig?.tools ?? callOptions?.tools);
      if (offered) data.tools = offered;
      data[field] = field === "messages" ? toJson((input as BaseMessage[][])[0] ?? [], limits) : toJson(input, limits);
      return data;
    });
    if (run.isRoot) this.emitInput(run, () => extractInput(input, this.trail.captureLimits));
  }

  private startRun(
    kind: RunKind,
    runId: string,
    parentRunId: string | undefined,
    name: string,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
  ): RunState {
    const parent = parentRunId === undefined ? undefined : this.runs.get(parentRunId);
    let trace: TraceState;
    if (parent) {
      trace = parent.trace;
    } else {
      // A run with no parent we know of starts a new invocation (also when the handler was
      // attached below the top, e.g. on a bare model or tool call).
      trace = {
        traceId: runId,
        sessionId: sessionFrom(this.options.sessionId, metadata, this.trail.context.sessionId),
        userId: userFrom(this.options.userId, metadata, this.trail.context.userId),
        runIds: [],
        usage: undefined,
        models: new Set(),
        llmCalls: 0,
        toolCalls: 0,
        recordedErrors: new WeakSet(),
        errorCount: 0,
        interrupts: undefined,
      };
    }
    const run: RunState = {
      id: runId,
      kind,
      name,
      isRoot: !parent,
      recorded: false,
      recordedParentId: parent ? (parent.recorded ? parent.id : parent.recordedParentId) : undefined,
      trace,
      startedAt: now(),
      tags: runTags(parent ? parent.tags : this.baseTags, tags),
      metadata: runMetadata(parent ? parent.metadata : this.baseMetadata, metadata, this.trail.captureLimits),
    };
    trace.runIds.push(runId);
    this.runs.set(runId, run);
    return run;
  }

  /** Records a run's start event if its level is enabled (the root always is). */
  private emitStart(run: RunState, type: EventType, level: Level, data: () => Record<string, unknown>): void {
    if (!run.isRoot && !this.trail.isEnabled(level)) {
      this.trail.countFiltered();
      return;
    }
    run.recorded = true;
    this.emit(run, type, level, data());
  }

  /** Records a run's end event (if its start was recorded) and forgets the run. */
  private endRun(run: RunState, type: EventType, level: Level, status: Status, data: () => Record<string, unknown>): void {
    const duration = now() - run.startedAt;
    // A warning or error is recorded even when its start was not (a slow step at level info).
    if (run.recorded || this.trail.isEnabled(level)) {
      this.emit(run, type, level, data(), { duration, status });
    } else {
      this.trail.countFiltered();
    }
    if (!run.isRoot) this.runs.delete(run.id);
  }

  private recordFailure(runId: string, type: EventType, err: unknown, where: string): void {
    try {
      const run = this.runs.get(runId);
      if (run) this.endWithError(run, type, err);
    } catch (e) {
      this.fail(e, where);
    }
  }

  private endWithError(run: RunState, type: EventType, err: unknown): void {
    const trace = run.trace;
    const isObject = typeof err === "object" && err !== null;
    const propagated = isObject && trace.recordedErrors.has(err);
    // An error bubbling up through parent chains was recorded where it happened; the parents'
    // errors are propagation, kept at trace level (the root always records how it ended).
    const level: Level = propagated && !run.isRoot ? "trace" : "error";
    if (isObject && !propagated) trace.recordedErrors.add(err);
    if (!propagated) trace.errorCount++;
    this.endRun(run, type, level, "error", () => {
      const data: Record<string, unknown> = {};
      if (run.kind === "tool") {
        data.tool = run.name;
        if (run.toolCallId) data.tool_call_id = run.toolCallId;
      } else if (run.kind === "llm") {
        if (run.provider) data.provider = run.provider;
        if (run.model) data.model = run.model;
      }
      data.error = errorData(err, this.trail.captureLimits);
      if (propagated) data.propagated = true;
      return data;
    });
    if (run.isRoot) this.finishTrace(run, undefined, err);
  }

  private endChain(run: RunState, outputs: ChainValues): void {
    const interrupted = run.isRoot && (run.trace.interrupts !== undefined || Array.isArray((outputs as Record<string, unknown> | undefined)?.__interrupt__));
    this.endRun(run, "chain_end", chainLevel(run), interrupted ? "interrupted" : "ok", () => {
      const data: Record<string, unknown> = { outputs: toJson(outputs, this.trail.captureLimits) };
      // A node's output is its state update: the keys it names are the state it changed.
      if (run.graphNode && outputs && typeof outputs === "object" && !Array.isArray(outputs)) data.changed = Object.keys(outputs);
      return data;
    });
    if (run.isRoot) this.finishTrace(run, outputs);
  }

  /** A resume names the paused trace it answers, when this process saw that trace pause. */
  private withResumed(root: RunState, input: Record<string, unknown>): Record<string, unknown> {
    const command = input.command as { resume?: unknown } | undefined;
    if (command?.resume === undefined || !root.trace.sessionId) return input;
    const paused = takeInterrupted(this.trail, root.trace.sessionId);
    return paused ? { ...input, resumes: paused } : input;
  }

  /** The user's input entering the root run. */
  private emitInput(root: RunState, data: () => Record<string, unknown>): void {
    if (this.trail.isEnabled("info")) this.emit(root, "input", "info", data(), { parentless: true });
    else this.trail.countFiltered();
  }

  /** Root finished: record the `output` event (the final answer and what it cost) and forget the trace. */
  private finishTrace(root: RunState, outputs: unknown, err?: unknown): void {
    const trace = root.trace;
    try {
      if (!this.trail.isEnabled("info")) return this.trail.countFiltered();
      let data: Record<string, unknown>;
      let status: Status = "ok";
      if (err !== undefined) {
        data = { error: errorData(err, this.trail.captureLimits) };
        status = "error";
      } else if (root.kind === "llm") {
        const gen = (outputs as LLMResult | undefined)?.generations?.[0]?.[0] as { message?: unknown; text?: string } | undefined;
        data = extractOutput(gen?.message ?? gen?.text, this.trail.captureLimits).data;
      } else {
        const extracted = extractOutput(outputs, this.trail.captureLimits);
        data = extracted.data;
        if (extracted.interrupted) status = "interrupted";
        if (trace.interrupts) {
          data.interrupts = toJson(trace.interrupts, this.trail.captureLimits);
          status = "interrupted";
        }
        if (status === "interrupted" && trace.sessionId) {
          const raised = trace.interrupts ?? (outputs as { __interrupt__?: unknown[] }).__interrupt__ ?? [];
          rememberInterrupted(this.trail, trace.sessionId, trace.traceId, raised);
        }
      }
      if (trace.usage) data.usage = trace.usage;
      if (trace.models.size) data.models = [...trace.models];
      data.llm_calls = trace.llmCalls;
      data.tool_calls = trace.toolCalls;
      if (trace.errorCount) data.errors = trace.errorCount;
      this.emit(root, "output", "info", data, { parentless: true, duration: now() - root.startedAt, status });
    } finally {
      for (const id of trace.runIds) this.runs.delete(id);
    }
  }

  private emit(
    run: RunState,
    type: EventType,
    level: Level,
    data: Record<string, unknown>,
    extra: { duration?: number; status?: Status; parentless?: boolean; under?: RunState; name?: string } = {},
  ): void {
    const trace = run.trace;
    let runId: string | undefined = run.id;
    let parent = run.recordedParentId;
    if (extra.parentless) {
      // input/output belong to the invocation as a whole: they hang from the root run.
      runId = undefined;
      parent = trace.traceId;
    } else if (extra.under) {
      runId = undefined;
      parent = extra.under.recorded ? extra.under.id : extra.under.recordedParentId;
    }
    this.trail.emit({
      level,
      type,
      session_id: trace.sessionId,
      user_id: trace.userId,
      trace_id: trace.traceId,
      run_id: runId,
      parent_run_id: parent,
      name: extra.name ?? run.name,
      tags: run.tags,
      metadata: run.metadata,
      data,
      duration_ms: extra.duration === undefined ? undefined : round(extra.duration),
      status: extra.status,
    });
  }

  private fail(err: unknown, where: string): void {
    const error = new Error(`${where} failed: ${describeError(err)}`, { cause: err });
    this.trail.reportError(error, "handler");
    if (this.raiseError) throw err;
  }
}

/** Roots are what happened, graph nodes the steps a reader follows; other chains are plumbing. */
function chainLevel(run: RunState): Level {
  return run.isRoot ? "info" : run.graphNode ? "debug" : "trace";
}

function declaresStreaming(serialized: Serialized | undefined): boolean {
  return (serialized as { kwargs?: { streaming?: unknown } } | undefined)?.kwargs?.streaming === true;
}

function errorData(err: unknown, limits: SerializeLimits): Json {
  if (err instanceof Error) return toJson(err, limits);
  return { type: errorType(err), message: truncateString(describeError(err), limits) };
}

function nameOf(serialized: Serialized | undefined, fallback: string): string {
  const s = serialized as { name?: unknown; id?: unknown } | undefined;
  if (typeof s?.name === "string" && s.name) return s.name;
  if (Array.isArray(s?.id) && s.id.length) return String(s.id[s.id.length - 1]);
  return fallback;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

/** Tool input arrives as a string; when it is a JSON object or array we record the structure. */
function parseArgs(input: unknown): unknown {
  if (typeof input !== "string") return input;
  const c = input.trimStart()[0];
  if (c !== "{" && c !== "[") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
