/**
 * AuditCallbackHandler: a LangChain `BaseCallbackHandler` that turns a run's callbacks into audit
 * events. Drop it into any Runnable: `agent.invoke(input, { callbacks: [handler] })`.
 *
 * This file is the callback surface: each callback's arguments as LangChain really passes them and
 * what its event contains. It never throws into the user's run (unless `raiseError: true`); its own
 * failures are counted in `trail.stats().internal_errors`. It delegates its options to
 * `handler-options.ts`, the open runs (one handler serves concurrent invocations and parallel tool
 * calls) to `runs.ts`, the level rules and the input/output events to `run-events.ts`, and what a
 * model call records to `model-calls.ts`.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import type { DocumentInterface } from "@langchain/core/documents";
import type { AgentAction, AgentFinish } from "@langchain/core/agents";
import type { EventType, Level } from "../events/schema.js";
import { defaultTrail, type CaptureTrail } from "./trail-port.js";
import { toJson } from "./serialize.js";
import { describeError } from "../shared/errors.js";
import { isLangChainMessage, messageType } from "./messages.js";
import { extractInput, extractReasoning } from "./extract.js";
import { graphNode } from "./graph-node.js";
import { takeInterrupted } from "./pending-interrupts.js";
import { parseHandlerOptions, runDefaults, type AuditHandlerOptions } from "./handler-options.js";
import { chainLevel, OpenRuns, type RunPlace, type RunState } from "./runs.js";
import { RunEvents } from "./run-events.js";
import { identifyModel, modelEndData, modelRunName, modelStartData, noteToken, settleModelCall, type ModelCallStart } from "./model-calls.js";
import { isGraphInterrupt, nameOf, now, parseArgs } from "./callback-values.js";

export type { AuditHandlerOptions } from "./handler-options.js";

export class AuditCallbackHandler extends BaseCallbackHandler {
  name = "AuditCallbackHandler";
  readonly trail: CaptureTrail;
  private readonly options: AuditHandlerOptions;
  private readonly runs: OpenRuns;
  private readonly events: RunEvents;

  constructor(options: AuditHandlerOptions = {}) {
    const opts = parseHandlerOptions(options);
    super({ raiseError: opts.raiseError ?? false });
    this.options = opts;
    this.trail = opts.trail ?? defaultTrail();
    // Awaited by default: when invoke() returns, every event of the run is recorded. Affordable
    // because capture is synchronous and cheap (see BENCHMARKS.md).
    this.awaitHandlers = opts.raiseError || (opts.awaitHandlers ?? true);
    this.runs = new OpenRuns(this.trail, runDefaults(opts, this.trail));
    this.events = new RunEvents(this.trail, this.runs);
  }

  /** A handler on the same trail with the same options (LangChain copies handlers in places). */
  override copy(): AuditCallbackHandler {
    return new AuditCallbackHandler(this.options);
  }

  /**
   * Where a run sits in what this handler recorded: its trace, session and user, and the nearest
   * recorded run at or above it. The agent middleware uses this to hang its events in the same tree.
   */
  contextOf(runId: string): RunPlace | undefined {
    return this.runs.place(runId);
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
      const run = this.runs.start("chain", runId, parentRunId, runName ?? nameOf(chain, "chain"), tags, metadata);
      const node = run.isRoot ? undefined : graphNode(run.name, metadata);
      if (node) run.graphNode = true;
      this.events.start(run, "chain_start", chainLevel(run), () => {
        const data: Record<string, unknown> = { inputs: toJson(inputs, this.trail.captureLimits) };
        if (node) Object.assign(data, node);
        return data;
      });
      if (run.isRoot) this.events.input(run, () => this.withResumed(run, extractInput(inputs, this.trail.captureLimits)));
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
        this.events.end(run, "chain_end", chainLevel(run), "interrupted", () => ({
          interrupts: toJson(interrupts, this.trail.captureLimits),
        }));
        if (run.isRoot) this.events.output(run, {});
        return;
      }
      this.events.endWithError(run, "chain_error", err);
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
    } finally {
      // Commit point: the call starts when this returns.
      this.trail.commit();
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
    } finally {
      // Commit point: the call starts when this returns.
      this.trail.commit();
    }
  }

  override handleLLMNewToken(token: string, _idx: unknown, runId: string, _parentRunId?: string, _tags?: string[], fields?: { chunk?: unknown }): void {
    try {
      const run = this.runs.get(runId);
      if (run) noteToken(run, token, fields?.chunk);
    } catch (err) {
      this.fail(err, "handleLLMNewToken");
    }
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      const result = settleModelCall(run, output);
      this.events.end(run, "llm_end", "debug", "ok", () => modelEndData(run, result, this.trail));
      const reasoning = extractReasoning(result.rawMessage);
      if (reasoning && this.trail.isEnabled("debug")) {
        this.events.emit(run, "reasoning", "debug", toJson(reasoning, this.trail.captureLimits) as Record<string, unknown>, { under: run });
      }
      if (run.isRoot) this.events.output(run, output);
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
      const run = this.runs.start("tool", runId, parentRunId, runName ?? nameOf(tool, "tool"), tags, metadata);
      if (toolCallId) run.toolCallId = toolCallId;
      run.trace.toolCalls++;
      this.events.start(run, "tool_start", "info", () => {
        const data: Record<string, unknown> = { tool: run.name };
        if (toolCallId) data.tool_call_id = toolCallId;
        data.args = toJson(parseArgs(input), this.trail.captureLimits);
        return data;
      });
      if (run.isRoot) this.events.input(run, () => ({ content: toJson(parseArgs(input), this.trail.captureLimits) }));
    } catch (err) {
      this.fail(err, "handleToolStart");
    } finally {
      // Commit point: the call starts when this returns.
      this.trail.commit();
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
      this.events.end(run, "tool_end", level, reportedError ? "error" : "ok", () => {
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
      if (run.isRoot) this.events.output(run, toolMessage ? toolMessage.content : output);
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
      const run = this.runs.start("retriever", runId, parentRunId, name ?? nameOf(retriever, "retriever"), tags, metadata);
      this.events.start(run, "retriever_start", "info", () => ({ query: toJson(query, this.trail.captureLimits) }));
      if (run.isRoot) this.events.input(run, () => ({ content: toJson(query, this.trail.captureLimits) }));
    } catch (err) {
      this.fail(err, "handleRetrieverStart");
    } finally {
      // Commit point: the call starts when this returns.
      this.trail.commit();
    }
  }

  override handleRetrieverEnd(documents: DocumentInterface[], runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run) return;
      const docs = Array.isArray(documents) ? documents : [];
      this.events.end(run, "retriever_end", "info", "ok", () => ({
        count: docs.length,
        documents: toJson(
          docs.map((d) => ({ id: d?.id, page_content: d?.pageContent, metadata: d?.metadata })),
          this.trail.captureLimits,
        ),
      }));
      if (run.isRoot) this.events.output(run, { documents: docs.length });
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
        this.events.emit(run, "custom", "info", { value: toJson(data, this.trail.captureLimits) }, { under: run, name: eventName });
        return;
      }
      // Dispatched outside any run this handler saw: record it with what context there is.
      this.trail.emit({
        level: "info",
        type: "custom",
        name: eventName,
        ...this.runs.outside(metadata, tags),
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
      this.events.emit(run, "reasoning", "debug", toJson({ thought: action.log, tool_calls: [{ name: action.tool, args: action.toolInput }] }, this.trail.captureLimits) as Record<string, unknown>, { under: run });
    } catch (err) {
      this.fail(err, "handleAgentAction");
    }
  }

  /** Legacy AgentExecutor: the agent decided it is done. */
  override handleAgentEnd(finish: AgentFinish, runId: string): void {
    try {
      const run = this.runs.get(runId);
      if (!run || !this.trail.isEnabled("debug")) return;
      this.events.emit(run, "reasoning", "debug", toJson({ thought: finish.log, final: finish.returnValues }, this.trail.captureLimits) as Record<string, unknown>, { under: run });
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
    const call: ModelCallStart = { llm, extraParams, metadata, input, field };
    const run = this.runs.start("llm", runId, parentRunId, modelRunName(call, runName), tags, metadata);
    identifyModel(run, call);
    this.events.start(run, "llm_start", "debug", () => modelStartData(run, call, this.trail.captureLimits));
    if (run.isRoot) this.events.input(run, () => extractInput(input, this.trail.captureLimits));
  }

  private recordFailure(runId: string, type: EventType, err: unknown, where: string): void {
    try {
      const run = this.runs.get(runId);
      if (run) this.events.endWithError(run, type, err);
    } catch (e) {
      this.fail(e, where);
    }
  }

  private endChain(run: RunState, outputs: ChainValues): void {
    const interrupted = run.isRoot && (run.trace.interrupts !== undefined || Array.isArray((outputs as Record<string, unknown> | undefined)?.__interrupt__));
    this.events.end(run, "chain_end", chainLevel(run), interrupted ? "interrupted" : "ok", () => {
      const data: Record<string, unknown> = { outputs: toJson(outputs, this.trail.captureLimits) };
      // A node's output is its state update: the keys it names are the state it changed.
      if (run.graphNode && outputs && typeof outputs === "object" && !Array.isArray(outputs)) data.changed = Object.keys(outputs);
      return data;
    });
    if (run.isRoot) this.events.output(run, outputs);
  }

  /** A resume names the paused trace it answers, when this process saw that trace pause. */
  private withResumed(root: RunState, input: Record<string, unknown>): Record<string, unknown> {
    const command = input.command as { resume?: unknown } | undefined;
    if (command?.resume === undefined || !root.trace.sessionId) return input;
    const paused = takeInterrupted(this.trail, root.trace.sessionId);
    return paused ? { ...input, resumes: paused } : input;
  }

  private fail(err: unknown, where: string): void {
    const error = new Error(`${where} failed: ${describeError(err)}`, { cause: err });
    this.trail.reportError(error, "handler");
    // The callback stopped part-way (before a commit point it would have reached): whatever it
    // recorded goes to disk now.
    this.trail.commit();
    if (this.raiseError) throw err;
  }
}
