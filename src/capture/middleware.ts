/**
 * `auditMiddleware()`: audit from inside a LangChain v1 agent (`createAgent({ middleware })`). It sees
 * exactly what is sent to the model (system message, messages, tools offered, tool choice, model
 * settings) and which tool calls execute, and can stop a tool call that breaks policy.
 *
 * Who records what, so a fact is recorded once when the callback handler is installed too:
 *   - the handler (when present on the run) owns input, output, llm_*, reasoning, tool_* and chain_*;
 *   - the middleware always owns `policy` events and the record that model input was redacted;
 *   - without the handler, the middleware records input, output, llm_*, reasoning and tool_* itself,
 *     as one tree: the invocation is a root run (input = its start, output = its end).
 * Middleware events hang under the graph node that ran them (LangChain's async-local runnable
 * config gives the node's run id), so with both installed everything forms one connected tree.
 *
 * Place it last in `middleware: [...]`: it is then closest to the provider and records the request
 * exactly as sent, after every other middleware changed it.
 */
import { createMiddleware, ToolMessage } from "langchain";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { BaseMessage } from "@langchain/core/messages";
import * as z from "zod";
import type { EventType, Level, Status, UnsealedEvent } from "../events/schema.js";
import { uuidv7 } from "../events/ids.js";
import { defaultTrail, type CaptureTrail } from "./trail-port.js";
import { parseOptions } from "../shared/config.js";
import { AuditCallbackHandler } from "./handler.js";
import { compactMessage, contentText, isLangChainMessage } from "./messages.js";
import { extractReasoning } from "./extract.js";
import { toJson } from "./serialize.js";
import { describeError, errorType } from "../shared/errors.js";
import { addUsage } from "./usage.js";
import { type TokenUsage } from "../events/usage.js";
import { factFields, modelFacts, reportedCost } from "./model-facts.js";
import { costFields } from "../pricing/prices.js";
import { evaluatePolicy, policyRuleSchema, type PolicyRule } from "./policy.js";

const optionsSchema = z
  .object({
    trail: z.custom<CaptureTrail>((v) => typeof v === "object" && v !== null && typeof (v as CaptureTrail).emit === "function", { message: "expected an AuditTrail from createAuditTrail()" }).optional(),
    sessionId: z.string().min(1).optional(),
    userId: z.string().min(1).optional(),
    policy: z.array(policyRuleSchema).optional(),
    redactModelInput: z.boolean().optional(),
  })
  .strict();
export type AuditMiddlewareOptions = z.input<typeof optionsSchema>;

/** One agent invocation as the middleware sees it (without the handler). */
interface Invocation {
  traceId: string;
  startedAt: number;
  usage: TokenUsage | undefined;
  models: Set<string>;
  llmCalls: number;
  toolCalls: number;
  errors: number;
}

interface HookContext {
  nodeRunId: string | undefined;
  /** The callback handler on the same trail, when the run has one: it owns most facts. */
  handler: AuditCallbackHandler | undefined;
  traceId: string | undefined;
  sessionId: string | undefined;
  userId: string | undefined;
}

type Obj = Record<string, unknown>;

export function auditMiddleware(options: AuditMiddlewareOptions = {}) {
  const opts = parseOptions("auditMiddleware", optionsSchema, options);
  const trail = opts.trail ?? defaultTrail();
  const rules = (opts.policy ?? []) as PolicyRule[];
  const byTrace = new Map<string, Invocation>();
  const now = () => performance.now();

  const hookContext = (stateTraceId: string | undefined): HookContext => {
    const config = AsyncLocalStorageProviderSingleton.getRunnableConfig() as
      | { callbacks?: { getParentRunId?: () => string | undefined; handlers?: unknown[] }; configurable?: Obj; metadata?: Obj }
      | undefined;
    const nodeRunId = config?.callbacks?.getParentRunId?.();
    const handler = config?.callbacks?.handlers?.find((h): h is AuditCallbackHandler => h instanceof AuditCallbackHandler && h.trail === trail);
    const fromHandler = handler && nodeRunId ? handler.contextOf(nodeRunId) : undefined;
    const md = config?.metadata ?? {};
    const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    return {
      nodeRunId,
      handler,
      traceId: fromHandler?.traceId ?? stateTraceId,
      sessionId: opts.sessionId ?? fromHandler?.sessionId ?? str(config?.configurable?.thread_id) ?? str(md.session_id) ?? str(md.thread_id) ?? trail.context.sessionId,
      userId: opts.userId ?? fromHandler?.userId ?? str(md.user_id) ?? trail.context.userId,
    };
  };

  const emit = (ctx: HookContext, type: EventType, level: Level, data: Obj, extra: Partial<UnsealedEvent> = {}): void => {
    if (!trail.isEnabled(level)) return trail.countFiltered();
    try {
      trail.emit({
        level,
        type,
        session_id: ctx.sessionId,
        user_id: ctx.userId,
        trace_id: ctx.traceId,
        data: toJson(data, trail.captureLimits) as Obj,
        ...extra,
      });
    } catch (err) {
      trail.reportError(new Error(`auditMiddleware: ${describeError(err)}`), "middleware");
    }
  };

  /** The parent for middleware events: the handler's nearest recorded run, else the invocation root. */
  const parentOf = (ctx: HookContext) => (ctx.handler && ctx.nodeRunId ? (ctx.handler.contextOf(ctx.nodeRunId)?.parentId ?? ctx.traceId) : ctx.traceId);

  /**
   * The invocation this hook belongs to, by the trace id kept in the agent state. After a
   * human-in-the-loop pause the resumed steps continue the same trace (the state carries it over);
   * the pause itself is only visible to the callback handler (LangGraph raises it outside any
   * middleware hook), so install both when pauses must be on record.
   */
  const invocationFor = (ctx: HookContext): Invocation | undefined => {
    if (ctx.handler || !ctx.traceId) return undefined;
    let inv = byTrace.get(ctx.traceId);
    if (!inv) {
      // Resumed in another process, or the state came from a checkpoint: carry on with its trace.
      inv = { traceId: ctx.traceId, startedAt: now(), usage: undefined, models: new Set(), llmCalls: 0, toolCalls: 0, errors: 0 };
      byTrace.set(ctx.traceId, inv);
    }
    return inv;
  };

  return createMiddleware({
    name: "AuditMiddleware",
    stateSchema: z.object({ _audit_trace_id: z.string().optional() }),

    beforeAgent: (state) => {
      const ctx = hookContext(undefined);
      if (ctx.handler) return undefined; // the handler records the input
      const traceId = uuidv7();
      const inv: Invocation = { traceId, startedAt: now(), usage: undefined, models: new Set(), llmCalls: 0, toolCalls: 0, errors: 0 };
      byTrace.set(traceId, inv);
      const messages = (state as { messages?: BaseMessage[] }).messages ?? [];
      const last = messages[messages.length - 1];
      const input = last && isLangChainMessage(last) ? compactMessage(last) : {};
      emit({ ...ctx, traceId }, "input", "info", input as Obj, { run_id: traceId, name: "agent" });
      return { _audit_trace_id: traceId };
    },

    afterAgent: (state) => {
      const ctx = hookContext((state as { _audit_trace_id?: string })._audit_trace_id);
      const inv = invocationFor(ctx);
      if (!inv) return undefined;
      const messages = (state as { messages?: BaseMessage[] }).messages ?? [];
      const last = messages[messages.length - 1];
      const data: Obj = last && isLangChainMessage(last) ? (compactMessage(last) as unknown as Obj) : {};
      if (Array.isArray(data.tool_calls)) {
        data.requested_tool_calls = data.tool_calls;
        delete data.tool_calls;
      }
      if (inv.usage) data.usage = inv.usage;
      if (inv.models.size) data.models = [...inv.models];
      data.llm_calls = inv.llmCalls;
      data.tool_calls = inv.toolCalls;
      if (inv.errors) data.errors = inv.errors;
      emit(ctx, "output", "info", data, { run_id: inv.traceId, name: "agent", duration_ms: round(now() - inv.startedAt), status: "ok" });
      byTrace.delete(inv.traceId);
      return undefined;
    },

    wrapModelCall: async (request, handler) => {
      const ctx = hookContext((request.state as { _audit_trace_id?: string })._audit_trace_id);
      let req = request;
      if (opts.redactModelInput && trail.redactor) {
        const redacted = redactMessages(trail, request.messages, request.systemMessage);
        if (redacted.count > 0) {
          req = { ...request, messages: redacted.messages, ...(redacted.system ? { systemMessage: redacted.system } : {}) } as typeof request;
          emit(ctx, "custom", "info", { model_input_redacted: true, values: redacted.count, entities: redacted.entities }, { name: "model_input_redacted", parent_run_id: parentOf(ctx) });
        }
      }
      const inv = invocationFor(ctx);
      if (!inv) return handler(req); // the handler records the model call
      const runId = uuidv7();
      const described = describeModel(req.model);
      const modelName = described.model;
      const started = now();
      const base = { run_id: runId, parent_run_id: inv.traceId, name: modelName ?? "model" };
      const startData: Obj = {};
      if (described.provider) startData.provider = described.provider;
      startData.model = modelName;
      startData.model_type = "chat";
      // The parameters as the request goes out: the model's own settings, then this call's.
      startData.params = { ...described.params, ...(req.modelSettings ?? {}) };
      startData.tools = req.tools.map((t) => (t as { name?: string }).name ?? "unknown");
      if (req.toolChoice !== undefined) startData.tool_choice = req.toolChoice;
      startData.messages = [req.systemMessage, ...req.messages].filter((m) => m && isLangChainMessage(m) && !(m._getType() === "system" && !contentText(m.content).trim())).map((m) => compactMessage(m as never));
      emit(ctx, "llm_start", "debug", startData, base);
      inv.llmCalls++;
      try {
        trail.commit(); // commit point: the call starts now
        const response = await handler(req);
        const message = isLangChainMessage(response as object) ? (response as BaseMessage) : undefined;
        const raw = message as unknown as Obj | undefined;
        // The same facts the callback handler records, from the one place the middleware sees: the
        // final message (a stream's chunks never reach a middleware).
        const facts = modelFacts({ message: raw, llmOutput: undefined, generationInfo: undefined, stream: undefined, requestedModel: modelName });
        const usage = facts.usage;
        const model = facts.model ?? modelName;
        if (usage) inv.usage = inv.usage ? (addUsage(inv.usage, usage), inv.usage) : { ...usage };
        if (model) inv.models.add(model);
        const endData: Obj = {};
        if (described.provider) endData.provider = described.provider;
        endData.model = model;
        if (message) {
          const output = compactMessage(message as never) as unknown as Obj;
          if (facts.content !== undefined) output.content = facts.content;
          endData.output = output;
        }
        Object.assign(endData, factFields(facts, (text) => text));
        Object.assign(endData, costFields(reportedCost(raw, undefined), usage, model, facts.service_tier, trail.prices));
        emit(ctx, "llm_end", "debug", endData, { ...base, duration_ms: round(now() - started), status: "ok" });
        const reasoning = message ? extractReasoning(message) : undefined;
        if (reasoning) emit(ctx, "reasoning", "debug", reasoning as Obj, { parent_run_id: runId, name: modelName });
        return response;
      } catch (err) {
        inv.errors++;
        emit(ctx, "llm_error", "error", { model: modelName, error: toJson(err, trail.captureLimits) }, { ...base, duration_ms: round(now() - started), status: "error" });
        throw err;
      }
    },

    wrapToolCall: async (request, handler) => {
      const ctx = hookContext((request.state as { _audit_trace_id?: string })._audit_trace_id);
      const call = request.toolCall;
      const args = (call.args ?? {}) as Obj;
      const verdict = evaluatePolicy(rules, call.name, args, (rule, err) =>
        trail.reportError(new Error(`auditMiddleware: policy ${rule}'s when() threw for ${call.name}: ${describeError(err)}`), "policy"),
      );
      const inv = invocationFor(ctx);
      if (verdict && verdict.action !== "allow") {
        const blocked = verdict.action === "block";
        emit(ctx, "policy", blocked ? "error" : "warn", { tool: call.name, tool_call_id: call.id, args, action: verdict.action, rule: verdict.rule, reason: verdict.reason }, {
          name: call.name,
          parent_run_id: inv ? inv.traceId : parentOf(ctx),
          status: blocked ? "error" : "ok",
        });
        if (blocked) {
          return new ToolMessage({
            content: `Refused by policy (${verdict.rule})${verdict.reason ? `: ${verdict.reason}` : ""}. This tool call was not executed; do not retry it.`,
            tool_call_id: call.id ?? "",
            name: call.name,
            status: "error",
          });
        }
      }
      if (!inv) return handler(request); // the handler records the tool call
      const runId = uuidv7();
      const base = { run_id: runId, parent_run_id: inv.traceId, name: call.name };
      const started = now();
      inv.toolCalls++;
      emit(ctx, "tool_start", "info", { tool: call.name, tool_call_id: call.id, args }, base);
      try {
        trail.commit(); // commit point: the call starts now
        const result = await handler(request);
        const msg = result as { status?: string; content?: unknown; _getType?: () => string };
        const failed = msg?._getType?.() === "tool" && msg.status === "error";
        if (failed) inv.errors++;
        const status: Status = failed ? "error" : "ok";
        emit(ctx, failed ? "tool_error" : "tool_end", failed ? "error" : "info", failed ? { tool: call.name, tool_call_id: call.id, error: { type: "ToolError", message: String(msg.content) } } : { tool: call.name, tool_call_id: call.id, result: msg?.content ?? result }, { ...base, duration_ms: round(now() - started), status });
        return result;
      } catch (err) {
        inv.errors++;
        emit(ctx, "tool_error", "error", { tool: call.name, tool_call_id: call.id, error: { type: errorType(err), ...(toJson(err, trail.captureLimits) as Obj) } }, { ...base, duration_ms: round(now() - started), status: "error" });
        throw err;
      }
    },
  });
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * The provider, model name and invocation parameters of the model a middleware request names,
 * from LangChain's own descriptions (`getLsParams`, `invocationParams`); each may be missing or
 * throw on a model class that does not implement it.
 */
function describeModel(model: unknown): { provider?: string; model?: string; params: Obj } {
  const m = model as { model?: string; modelName?: string; _llmType?: () => string; getLsParams?: (o: Obj) => Obj; invocationParams?: (o?: Obj) => Obj } | undefined;
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch {
      return undefined;
    }
  };
  const ls = (typeof m?.getLsParams === "function" ? attempt(() => m.getLsParams!({})) : undefined) ?? {};
  const invocation = (typeof m?.invocationParams === "function" ? attempt(() => m.invocationParams!({})) : undefined) ?? {};
  const { tools: _tools, functions: _functions, ...params } = invocation as Obj;
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    provider: str(ls.ls_provider),
    model: str(ls.ls_model_name) ?? m?.model ?? m?.modelName ?? (typeof m?._llmType === "function" ? attempt(() => m._llmType!()) : undefined),
    params: toJson(params) as Obj,
  };
}

/** The messages with the trail's redaction applied to their text (what `piiMiddleware` does for the model). */
function redactMessages(trail: CaptureTrail, messages: BaseMessage[], system: BaseMessage | undefined) {
  let count = 0;
  const entities = new Set<string>();
  const redactOne = <T extends BaseMessage>(m: T): T => {
    const { value, redactions } = trail.redactor!.redact(m.content);
    if (!redactions.length) return m;
    for (const r of redactions) {
      count += r.count;
      entities.add(r.entity);
    }
    const Ctor = m.constructor as new (fields: Obj) => T;
    return new Ctor({ ...(m as unknown as Obj), content: value });
  };
  const out = messages.map(redactOne);
  const sys = system ? redactOne(system) : undefined;
  return { messages: out, system: sys !== system ? sys : undefined, count, entities: [...entities] };
}
