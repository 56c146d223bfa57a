// The benchmark's workload, shared by the timing run and the memory children: an offline
// createAgent run (scripted model → one tool call → scripted model → answer) and a no-op handler.
import { createAgent, tool, AIMessage, HumanMessage } from "langchain";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import * as z from "zod";

const search = tool(async ({ to }) => `3 flights to ${to}`, {
  name: "search_flights",
  description: "Search flights.",
  schema: z.object({ to: z.string() }),
});

/**
 * A fake chat model that keeps no history (LangChain's fakeModel records every call, which would
 * show up as our memory growth): `respond(messages, call)` decides each answer.
 */
export class ScriptedModel extends BaseChatModel {
  calls = 0;
  constructor(type, respond) {
    super({});
    this.type = type;
    this.respond = respond;
  }
  _llmType() {
    return this.type;
  }
  bindTools() {
    return this;
  }
  async _generate(messages) {
    return { generations: [{ text: "", message: this.respond(messages, this.calls++) }] };
  }
}

/** Asks for the tool first, and answers once the tool has replied. */
const flightModel = new ScriptedModel("scripted", (messages, call) =>
  messages[messages.length - 1]?._getType() === "tool"
    ? new AIMessage({ content: "Found 3 flights to Paris.", usage_metadata: { input_tokens: 30, output_tokens: 7, total_tokens: 37 } })
    : new AIMessage({ content: "Searching.", tool_calls: [{ id: `c${call}`, name: "search_flights", args: { to: "Paris" }, type: "tool_call" }], usage_metadata: { input_tokens: 12, output_tokens: 6, total_tokens: 18 } }),
);

export const agent = createAgent({ model: flightModel, tools: [search] });

/** Every callback, empty, awaited like ours: the cost LangChain charges for having any handler. */
export class NoopHandler extends BaseCallbackHandler {
  name = "noop";
  awaitHandlers = true;
  handleChainStart() {}
  handleChainEnd() {}
  handleChainError() {}
  handleChatModelStart() {}
  handleLLMStart() {}
  handleLLMNewToken() {}
  handleLLMEnd() {}
  handleLLMError() {}
  handleToolStart() {}
  handleToolEnd() {}
  handleToolError() {}
  handleRetrieverStart() {}
  handleRetrieverEnd() {}
  handleRetrieverError() {}
  handleCustomEvent() {}
}

export const runOnce = (callbacks, i) =>
  agent.invoke({ messages: [new HumanMessage("Flights to Paris for jane@example.com?")] }, { callbacks, metadata: { session_id: `bench-${i % 50}` } });
