/**
 * The seed's audit view of a run: what the user asked (`input`), what the agent answered
 * (`output`), and what it thought and planned along the way (`reasoning`), pulled out of the many
 * shapes LangChain runs take (agents, graphs, LCEL chains, bare model and tool calls).
 */
import type { Json } from "./serialize.js";
import type { SerializeLimits } from "../limits/capture-limits.js";
import { toJson } from "./serialize.js";
import { compactMessage, compactToolCalls, contentText, isLangChainMessage, reasoningText, type CompactMessage, type CompactToolCall } from "./messages.js";
import { asMessage, messagesIn } from "./message-shapes.js";

type Obj = Record<string, unknown>;

const TEXT_KEYS = ["input", "question", "query", "prompt", "message", "text", "content"];
const OUTPUT_KEYS = ["output", "answer", "text", "content", "result", "response"];

function isMessage(v: unknown): v is Parameters<typeof compactMessage>[0] {
  return typeof v === "object" && v !== null && isLangChainMessage(v);
}

/**
 * The content worth showing for a message: its text when it is only text, else its content
 * blocks (images, files and audio among them, recorded by size and hash: binary-content.ts).
 */
function messageContent(message: { content: unknown }, limits: SerializeLimits): Json {
  const c = message.content;
  const onlyText = !Array.isArray(c) || c.every((b) => typeof b === "string" || (typeof b === "object" && b !== null && (b as { type?: unknown }).type === "text"));
  const text = onlyText ? contentText(c) : "";
  return text || toJson(c, limits);
}

/**
 * data of the `input` event: the user's words entering the root run, whatever shape the caller
 * gave them in (see message-shapes.ts), never a LangChain wrapper.
 */
export function extractInput(inputs: unknown, limits: SerializeLimits): Obj {
  if (typeof inputs === "string") return { content: toJson(inputs, limits) };
  const one = asMessage(inputs);
  const messages = messagesIn(inputs) ?? (one ? [one] : undefined);
  if (messages) {
    // The user's turn is the trailing run of user messages; history before it was audited already.
    const turn: CompactMessage[] = [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]!;
      if (m.role !== "user") {
        if (turn.length) break;
        continue;
      }
      turn.unshift(m);
    }
    if (turn.length === 0) return { messages: toJson(messages, limits) };
    const data: Obj = { role: "user", content: messageContent(turn[turn.length - 1]!, limits) };
    if (turn.length > 1) data.messages = toJson(turn, limits);
    return data;
  }
  if (inputs && typeof inputs === "object") {
    const o = inputs as Obj;
    // A LangGraph Command: resuming after an interrupt (human-in-the-loop approval) or a jump.
    if (o.lg_name === "Command") {
      return { command: toJson({ resume: o.resume, goto: o.goto, update: o.update }, limits) };
    }
    const keys = Object.keys(o);
    // A template's single variable ({topic: "Paris"}) is the user's input.
    if (keys.length === 1 && typeof o[keys[0]!] === "string") return { content: toJson(o[keys[0]!], limits) };
    for (const key of TEXT_KEYS) {
      if (typeof o[key] === "string") {
        const rest = Object.keys(o).filter((k) => k !== key);
        return rest.length ? { content: toJson(o[key], limits), inputs: toJson(o, limits) } : { content: toJson(o[key], limits) };
      }
    }
  }
  return { inputs: toJson(inputs, limits) };
}

export interface ExtractedOutput {
  data: Obj;
  interrupted: boolean;
}

/** data of the `output` event: the agent's final answer (or why there is none). */
export function extractOutput(outputs: unknown, limits: SerializeLimits): ExtractedOutput {
  if (typeof outputs === "string") return { data: { content: toJson(outputs, limits) }, interrupted: false };
  if (isMessage(outputs)) return { data: finalMessageData(compactMessage(outputs), limits), interrupted: false };
  if (outputs && typeof outputs === "object") {
    const o = outputs as Obj;
    const interrupts = o.__interrupt__;
    const messages = messagesIn(o);
    let data: Obj | undefined;
    if (messages) {
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i]!;
        if (m.role === "assistant") {
          data = finalMessageData(m, limits);
          break;
        }
      }
    }
    if (!data) {
      for (const key of OUTPUT_KEYS) {
        const v = o[key];
        if (typeof v === "string") data = { content: toJson(v, limits) };
        else if (isMessage(v)) data = finalMessageData(compactMessage(v), limits);
        if (data) break;
      }
    }
    data ??= {};
    if (o.structuredResponse !== undefined) data.structured_response = toJson(o.structuredResponse, limits);
    if (Array.isArray(interrupts) && interrupts.length) {
      data.interrupts = toJson(interrupts, limits);
      return { data, interrupted: true };
    }
    if (Object.keys(data).length === 0) data.outputs = toJson(outputs, limits);
    return { data, interrupted: false };
  }
  return { data: { outputs: toJson(outputs, limits) }, interrupted: false };
}

function finalMessageData(m: CompactMessage, limits: SerializeLimits): Obj {
  const data: Obj = { role: "assistant", content: messageContent(m, limits) };
  // Named apart from the output event's `tool_calls` count: a root model run that ends by asking
  // for tools (a bare model call) keeps the calls it asked for.
  if (m.tool_calls) data.requested_tool_calls = toJson(m.tool_calls, limits);
  return data;
}

export interface Reasoning {
  thought?: string;
  reasoning?: string;
  tool_calls?: CompactToolCall[];
  confidence?: number;
}

/**
 * The reasoning a model showed in one answer: text beside tool calls (the thought), hidden
 * reasoning / thinking blocks, the planned tool calls, and a confidence where the model gave one.
 * Undefined for a plain final answer.
 */
export function extractReasoning(message: unknown): Reasoning | undefined {
  if (!isMessage(message)) return undefined;
  const calls = compactToolCalls(message.tool_calls);
  const hidden = reasoningText(message);
  if (!calls && !hidden) return undefined;
  const out: Reasoning = {};
  if (calls) {
    const text = contentText(message.content).trim();
    if (text) out.thought = text;
    out.tool_calls = calls;
  }
  if (hidden) out.reasoning = hidden;
  const confidence = (message.additional_kwargs as Obj | undefined)?.confidence;
  if (typeof confidence === "number") out.confidence = confidence;
  return out;
}
