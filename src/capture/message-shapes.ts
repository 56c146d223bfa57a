/**
 * Every shape in which LangChain accepts a message, read as one compact audit message: message
 * instances (by shape, from any copy of `@langchain/core`), serialized `lc` constructors, plain
 * `{role, content}` objects as the docs write them, `{type: "human", content}` objects, and
 * `["user", "…"]` tuples. A bare string inside a message list is a user message, as LangChain
 * coerces it.
 */
import { compactMessage, compactSerializedMessage, compactToolCalls, isLangChainMessage, isSerializedMessage, type CompactMessage } from "./messages.js";

type Obj = Record<string, unknown>;

/** Role names LangChain accepts (roles and message types), in the audit's role vocabulary. */
const ROLE_NAMES: Record<string, string> = {
  user: "user",
  human: "user",
  assistant: "assistant",
  ai: "assistant",
  system: "system",
  developer: "developer",
  tool: "tool",
  function: "function",
};

const isContent = (v: unknown) => typeof v === "string" || Array.isArray(v);

/** The message `value` is, in compact form; undefined when it is not a message in any shape. */
export function asMessage(value: unknown): CompactMessage | undefined {
  if (Array.isArray(value)) {
    // ["user", "text"] or ["human", [content blocks]]
    if (value.length === 2 && typeof value[0] === "string" && ROLE_NAMES[value[0]] && isContent(value[1])) {
      return { role: ROLE_NAMES[value[0]]!, content: value[1] };
    }
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  if (isLangChainMessage(value)) return compactMessage(value);
  if (isSerializedMessage(value)) return compactSerializedMessage(value);
  const o = value as Obj;
  if (!("content" in o) || !(isContent(o.content) || o.content === null)) return undefined;
  const role = typeof o.role === "string" ? ROLE_NAMES[o.role] : typeof o.type === "string" ? ROLE_NAMES[o.type] : undefined;
  if (!role) return undefined;
  const out: CompactMessage = { role, content: o.content ?? "" };
  if (typeof o.name === "string" && o.name) out.name = o.name;
  const calls = compactToolCalls(o.tool_calls);
  if (calls) out.tool_calls = calls;
  if (typeof o.tool_call_id === "string" && o.tool_call_id) out.tool_call_id = o.tool_call_id;
  return out;
}

/**
 * The messages in a value, in compact form: a message list, `{messages: [...]}` (agents and graphs),
 * or a chat model's `[[...]]`. Undefined when the value holds no message list.
 */
export function messagesIn(value: unknown): CompactMessage[] | undefined {
  if (Array.isArray(value)) {
    if (value.length === 1 && Array.isArray(value[0]) && asMessage(value[0]) === undefined) return messageList(value[0], false);
    return messageList(value, false);
  }
  if (value && typeof value === "object" && !isLangChainMessage(value)) {
    const messages = (value as Obj).messages;
    if (Array.isArray(messages)) return messageList(messages, true);
  }
  return undefined;
}

/** `named`: the list is a `messages` field, so even a list of bare strings is a conversation. */
function messageList(items: readonly unknown[], named: boolean): CompactMessage[] | undefined {
  if (items.length === 0) return undefined;
  const out: CompactMessage[] = [];
  let real = 0;
  for (const item of items) {
    if (typeof item === "string") {
      out.push({ role: "user", content: item });
      continue;
    }
    const m = asMessage(item);
    if (!m) return undefined;
    out.push(m);
    real++;
  }
  // Elsewhere a list of bare strings is data (a batch, a list of ids), not a conversation.
  return real > 0 || named ? out : undefined;
}
