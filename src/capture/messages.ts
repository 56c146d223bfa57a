/**
 * LangChain messages in their compact audit form: `{role, content, name, tool_calls, tool_call_id}`.
 *
 * LangChain serializes messages as `lc` constructor blobs (`{lc, type, id: [...], kwargs}`), which
 * triple their size and hide the role in a class name. We record what a reader needs and nothing
 * of LangChain's internals. Detection is by shape, not `instanceof`, so messages from another copy
 * of `@langchain/core` in node_modules are recognised too.
 */

export interface CompactToolCall {
  id?: string;
  name: string;
  args: unknown;
}

export interface CompactMessage {
  role: string;
  content: unknown;
  name?: string;
  id?: string;
  tool_calls?: CompactToolCall[];
  tool_call_id?: string;
  status?: string;
}

interface MessageLike {
  content: unknown;
  name?: string;
  id?: string;
  tool_calls?: unknown;
  tool_call_id?: string;
  status?: string;
  role?: string;
  additional_kwargs?: Record<string, unknown>;
  _getType?: () => string;
  getType?: () => string;
  type?: string;
}

const ROLE_BY_TYPE: Record<string, string> = {
  human: "user",
  ai: "assistant",
  system: "system",
  tool: "tool",
  function: "function",
  developer: "developer",
  remove: "remove",
};

export function isLangChainMessage(value: object): value is MessageLike {
  const v = value as MessageLike;
  return "content" in v && (typeof v._getType === "function" || typeof v.getType === "function") && "lc_kwargs" in v;
}

interface SerializedMessage {
  lc: number;
  type: "constructor";
  id: string[];
  kwargs: MessageLike;
}

export function isSerializedMessage(value: object): value is SerializedMessage {
  const v = value as Partial<SerializedMessage>;
  return (
    v.lc === 1 &&
    v.type === "constructor" &&
    Array.isArray(v.id) &&
    v.id.includes("messages") &&
    typeof v.kwargs === "object" &&
    v.kwargs !== null
  );
}

/** The message's LangChain type: "human", "ai", "system", "tool", ... */
export function messageType(message: MessageLike): string {
  try {
    if (typeof message._getType === "function") return message._getType();
    if (typeof message.getType === "function") return message.getType();
  } catch {
    // fall through to the field
  }
  return typeof message.type === "string" ? message.type : "unknown";
}

export function roleOf(type: string, message: MessageLike): string {
  if ((type === "generic" || type === "chat") && typeof message.role === "string") return message.role;
  return ROLE_BY_TYPE[type] ?? type;
}

export function compactToolCalls(raw: unknown): CompactToolCall[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((call: { id?: string; name?: string; args?: unknown }) => {
    const out: CompactToolCall = { name: String(call?.name ?? "unknown"), args: call?.args ?? {} };
    if (call?.id) out.id = call.id;
    return out;
  });
}

export function compactMessage(message: MessageLike): CompactMessage {
  return compactFrom(messageType(message), message);
}

export function compactSerializedMessage(serialized: SerializedMessage): CompactMessage {
  const className = serialized.id[serialized.id.length - 1] ?? "";
  const type = className.replace(/MessageChunk$|Message$/, "").toLowerCase() || "unknown";
  return compactFrom(type === "chat" ? "generic" : type, serialized.kwargs);
}

function compactFrom(type: string, m: MessageLike): CompactMessage {
  const out: CompactMessage = { role: roleOf(type, m), content: m.content };
  if (m.name) out.name = m.name;
  const toolCalls = compactToolCalls(m.tool_calls);
  if (toolCalls) out.tool_calls = toolCalls;
  if (m.tool_call_id) out.tool_call_id = m.tool_call_id;
  if (type === "tool" && m.status) out.status = m.status;
  return out;
}

/** The plain text of a message's content: a string, or the text blocks of a content-block array. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const block of content) {
    if (typeof block === "string") text += block;
    else if (block && typeof block === "object" && (block as { type?: string }).type === "text") {
      text += String((block as { text?: unknown }).text ?? "");
    }
  }
  return text;
}

/**
 * Reasoning the model showed: `reasoning` / `thinking` content blocks (Anthropic, OpenAI Responses,
 * LangChain v1 standard blocks) and `additional_kwargs.reasoning_content` (DeepSeek and others).
 */
export function reasoningText(message: MessageLike): string {
  const parts: string[] = [];
  if (Array.isArray(message.content)) {
    for (const block of message.content) {
      if (!block || typeof block !== "object") continue;
      const b = block as { type?: string; reasoning?: unknown; thinking?: unknown; summary?: unknown };
      if (b.type === "reasoning") {
        if (typeof b.reasoning === "string") parts.push(b.reasoning);
        else if (Array.isArray(b.summary)) {
          for (const s of b.summary) if (s && typeof s.text === "string") parts.push(s.text);
        }
      } else if (b.type === "thinking" && typeof b.thinking === "string") {
        parts.push(b.thinking);
      }
    }
  }
  const extra = message.additional_kwargs?.reasoning_content;
  if (typeof extra === "string") parts.push(extra);
  return parts.join("\n");
}
