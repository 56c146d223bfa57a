/**
 * What a finished invocation's `output` event says: the final answer (or the error it ended with),
 * the interrupts it paused on, and its totals: usage, the models that answered, how many model and
 * tool calls it made and how many errors happened in it.
 *
 * Apart from the handler so that how a trace ends (which run's result is the answer, when a
 * LangGraph run counts as paused) reads on its own.
 */
import type { LLMResult } from "@langchain/core/outputs";
import type { Status } from "../events/schema.js";
import { toJson } from "./serialize.js";
import { type SerializeLimits } from "../limits/capture-limits.js";
import { extractOutput } from "./extract.js";
import { type RunState } from "./runs.js";
import { errorData } from "./callback-values.js";

/** The `output` event's data and status for a root run that ended with `outputs` or `err`. */
export function traceOutput(root: RunState, outputs: unknown, err: unknown, limits: SerializeLimits): { data: Record<string, unknown>; status: Status } {
  const trace = root.trace;
  let data: Record<string, unknown>;
  let status: Status = "ok";
  if (err !== undefined) {
    data = { error: errorData(err, limits) };
    status = "error";
  } else if (root.kind === "llm") {
    const gen = (outputs as LLMResult | undefined)?.generations?.[0]?.[0] as { message?: unknown; text?: string } | undefined;
    data = extractOutput(gen?.message ?? gen?.text, limits).data;
  } else {
    const extracted = extractOutput(outputs, limits);
    data = extracted.data;
    if (extracted.interrupted) status = "interrupted";
    if (trace.interrupts) {
      data.interrupts = toJson(trace.interrupts, limits);
      status = "interrupted";
    }
  }
  if (trace.usage) data.usage = trace.usage;
  if (trace.models.size) data.models = [...trace.models];
  data.llm_calls = trace.llmCalls;
  data.tool_calls = trace.toolCalls;
  if (trace.errorCount) data.errors = trace.errorCount;
  return { data, status };
}

