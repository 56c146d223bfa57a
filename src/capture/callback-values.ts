/**
 * Reading the loosely typed values LangChain hands to callbacks: a serialized component's name and
 * streaming flag, optional strings in metadata, a tool's string input, an error of any shape, and
 * whether an error is LangGraph pausing for a human. Plus the clock run durations are measured on.
 *
 * Pure functions with no state, shared by the handler and the modules it delegates to.
 */
import type { Serialized } from "@langchain/core/load/serializable";
import { toJson, truncateString, type Json } from "./serialize.js";
import { type SerializeLimits } from "../limits/capture-limits.js";
import { errorType, describeError } from "../shared/errors.js";

/** Milliseconds on the monotonic clock (durations, time to first token). */
export const now = () => performance.now();
/** A duration as recorded: milliseconds to the microsecond. */
export const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** LangGraph's pause for a human (interrupt): the run resumes later, it did not fail. */
export const isGraphInterrupt = (err: unknown) => {
  const name = (err as { name?: string } | null)?.name;
  return name === "GraphInterrupt" || name === "NodeInterrupt";
};

/** The model was built with `streaming: true`. */
export function declaresStreaming(serialized: Serialized | undefined): boolean {
  return (serialized as { kwargs?: { streaming?: unknown } } | undefined)?.kwargs?.streaming === true;
}

/** An error as recorded: a real Error serialized in full, anything else as its type and message. */
export function errorData(err: unknown, limits: SerializeLimits): Json {
  if (err instanceof Error) return toJson(err, limits);
  return { type: errorType(err), message: truncateString(describeError(err), limits) };
}

/** A serialized component's name, else the last part of its id, else the fallback. */
export function nameOf(serialized: Serialized | undefined, fallback: string): string {
  const s = serialized as { name?: unknown; id?: unknown } | undefined;
  if (typeof s?.name === "string" && s.name) return s.name;
  if (Array.isArray(s?.id) && s.id.length) return String(s.id[s.id.length - 1]);
  return fallback;
}

/** A non-empty string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

/** Tool input arrives as a string; when it is a JSON object or array we record the structure. */
export function parseArgs(input: unknown): unknown {
  if (typeof input !== "string") return input;
  const c = input.trimStart()[0];
  if (c !== "{" && c !== "[") return input;
  try {
    return JSON.parse(input);
  } catch {
    return input;
  }
}
