import { describe, it, expect } from "vitest";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { BaseRetriever } from "@langchain/core/retrievers";
import { Document } from "@langchain/core/documents";
import { RunnableLambda } from "@langchain/core/runnables";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import { StateGraph, Annotation, START, END, interrupt, MemorySaver, Command } from "@langchain/langgraph";
import { expectConnectedTree, expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { usage } from "./fixtures.js";

/** A chat model that streams its answer word by word, with usage on the final chunk (like OpenAI's stream_options). */
class StreamingModel extends BaseChatModel {
  _llmType() {
    return "streaming-test";
  }
  async _generate(): Promise<ChatResult> {
    throw new Error("stream only");
  }
  override async *_streamResponseChunks(_messages: unknown, _options: unknown, runManager?: { handleLLMNewToken: (t: string) => Promise<void> }) {
    const words = ["Hello", " there", "!"];
    for (const w of words) {
      await new Promise((r) => setTimeout(r, 5));
      const chunk = new ChatGenerationChunk({ text: w, message: new AIMessageChunk({ content: w }) });
      yield chunk;
      await runManager?.handleLLMNewToken(w);
    }
    yield new ChatGenerationChunk({ text: "", message: new AIMessageChunk({ content: "", usage_metadata: { ...usage(7, 3), input_token_details: { cache_read: 4 }, output_token_details: { reasoning: 1 } }, response_metadata: { model_name: "stream-1", finish_reason: "stop" } }) });
  }
}

describe("AuditCallbackHandler on other runnables", () => {
  it("records an LCEL chain (prompt | model | parser) with its input and output", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const chain = ChatPromptTemplate.fromMessages([["system", "You are terse."], ["human", "Tell me about {topic}"]])
      .pipe(new FakeListChatModel({ responses: ["Paris is in France."] }))
      .pipe(new StringOutputParser());
    const out = await chain.invoke({ topic: "Paris" }, { callbacks: [trail.handler({ sessionId: "lcel" })] });
    expect(out).toBe("Paris is in France.");
    expect(events.map((e) => e.type)).toEqual(["chain_start", "input", "llm_start", "llm_end", "chain_end", "output"]);
    expect(ofType(events, "input")[0]!.data).toEqual({ content: "Paris" });
    expect(ofType(events, "llm_start")[0]!.data.messages).toEqual([
      { role: "system", content: "You are terse." },
      { role: "user", content: "Tell me about Paris" },
    ]);
    expect(ofType(events, "output")[0]!.data).toMatchObject({ content: "Paris is in France.", llm_calls: 1 });
    expect(events.every((e) => e.session_id === "lcel")).toBe(true);
    expectValidEvents(events);
    expectConnectedTree(events);
  });

  it("records a LangGraph StateGraph: every step at trace, only the run at info", async () => {
    const State = Annotation.Root({ count: Annotation<number> });
    const graph = new StateGraph(State)
      .addNode("double", (s) => ({ count: s.count * 2 }))
      .addNode("inc", (s) => ({ count: s.count + 1 }))
      .addEdge(START, "double")
      .addEdge("double", "inc")
      .addEdge("inc", END)
      .compile();

    const traced = memoryTrail({ level: "trace" });
    expect(await graph.invoke({ count: 3 }, { callbacks: [traced.trail.handler()] })).toEqual({ count: 7 });
    const steps = ofType(traced.events, "chain_start").map((e) => e.name);
    expect(steps).toEqual(expect.arrayContaining(["LangGraph", "double", "inc"]));
    expectConnectedTree(traced.events);
    expectValidEvents(traced.events);

    const info = memoryTrail({ level: "info" });
    await graph.invoke({ count: 3 }, { callbacks: [info.trail.handler()] });
    expect(info.events.map((e) => e.type)).toEqual(["chain_start", "input", "chain_end", "output"]);
    expect(ofType(info.events, "output")[0]!.data).toMatchObject({ outputs: { count: 7 } });
    expect(info.trail.stats().filtered).toBeGreaterThan(0);
  });

  it("records a streamed model call: time to first token and usage from the final chunk", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    let text = "";
    for await (const chunk of await new StreamingModel({}).stream("hi", { callbacks: [trail.handler()] })) text += chunk.content;
    expect(text).toBe("Hello there!");
    const end = ofType(events, "llm_end")[0]!;
    expect(end.data).toMatchObject({
      model: "stream-1",
      finish_reason: "stop",
      usage: { input_tokens: 7, output_tokens: 3, total_tokens: 10, cache_read_tokens: 4, reasoning_tokens: 1 },
      output: { role: "assistant", content: "Hello there!" },
    });
    const ttft = end.data.time_to_first_token_ms as number;
    expect(ttft).toBeGreaterThan(0);
    expect(ttft).toBeLessThanOrEqual(end.duration_ms!);
    expect(ofType(events, "output")[0]!.data).toMatchObject({ content: "Hello there!", usage: { total_tokens: 10 } });
  });

  it("records a bare model.invoke as its own invocation, with session and user from metadata", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const model = new FakeListChatModel({ responses: ["4"] });
    await model.invoke([new SystemMessage("math"), new HumanMessage("2+2?")], {
      callbacks: [trail.handler()],
      metadata: { langfuseSessionId: "lf-sess", langfuseUserId: "lf-user", team: "core" },
      tags: ["calc"],
    });
    expect(events.map((e) => e.type)).toEqual(["llm_start", "input", "llm_end", "output"]);
    for (const e of events) expect(e).toMatchObject({ session_id: "lf-sess", user_id: "lf-user", tags: ["calc"], metadata: { team: "core" } });
    expect(events[0]!.parent_run_id).toBeUndefined();
    expect(ofType(events, "input")[0]!.data).toEqual({ role: "user", content: "2+2?" });
    expect(ofType(events, "output")[0]!.data).toMatchObject({ role: "assistant", content: "4", llm_calls: 1 });
    expectValidEvents(events);
  });

  it("records a bare tool call and a retriever as invocations of their own", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    class Docs extends BaseRetriever {
      override lc_namespace = ["test"];
      override async _getRelevantDocuments(query: string) {
        return [new Document({ pageContent: `about ${query}`, metadata: { source: "kb" }, id: "d1" })];
      }
    }
    const docs = await new Docs().invoke("refund policy", { callbacks: [trail.handler({ sessionId: "r" })] });
    expect(docs).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(["retriever_start", "input", "retriever_end", "output"]);
    expect(ofType(events, "retriever_start")[0]!.data).toEqual({ query: "refund policy" });
    expect(ofType(events, "retriever_end")[0]!.data).toEqual({ count: 1, documents: [{ id: "d1", page_content: "about refund policy", metadata: { source: "kb" } }] });
    expectValidEvents(events);
  });

  it("treats a LangGraph interrupt as a pause, and records the resume as the next invocation", async () => {
    const { trail, events } = memoryTrail({ level: "trace" });
    const State = Annotation.Root({ decision: Annotation<string> });
    const graph = new StateGraph(State)
      .addNode("approve", () => ({ decision: interrupt({ question: "Send the email?" }) as string }))
      .addEdge(START, "approve")
      .addEdge("approve", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "thread-9" }, callbacks: [trail.handler()] };

    await graph.invoke({ decision: "" }, config);
    expect(events.filter((e) => e.level === "error")).toEqual([]);
    const paused = ofType(events, "output")[0]!;
    expect(paused).toMatchObject({ status: "interrupted", session_id: "thread-9", data: { interrupts: [{ value: { question: "Send the email?" } }] } });
    expect(ofType(events, "chain_end").find((e) => e.name === "approve")).toMatchObject({ status: "interrupted" });

    await graph.invoke(new Command({ resume: "yes" }), config);
    const outputs = ofType(events, "output");
    expect(outputs).toHaveLength(2);
    expect(outputs[1]).toMatchObject({ status: "ok", session_id: "thread-9", data: { outputs: { decision: "yes" } } });
    expect(ofType(events, "input")[1]!.data).toMatchObject({ command: { resume: "yes" } });
    expect(outputs[1]!.trace_id).not.toBe(outputs[0]!.trace_id);
    expectValidEvents(events);
    expectConnectedTree(events);
  });

  it("records custom events under the run that dispatched them", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const step = RunnableLambda.from(async (x: string) => {
      await dispatchCustomEvent("approval", { by: "alice", approved: true });
      return x.toUpperCase();
    });
    await step.invoke("ok", { callbacks: [trail.handler()] });
    const custom = ofType(events, "custom")[0]!;
    expect(custom).toMatchObject({ name: "approval", level: "info", data: { value: { by: "alice", approved: true } } });
    expect(custom.parent_run_id).toBe(events[0]!.run_id);
  });
});

describe("handleChainStart argument order", () => {
  it("@langchain/core 1.x passes (chain, inputs, runId, parentRunId, tags, metadata, runType, runName, extra)", async () => {
    const calls: unknown[][] = [];
    class Spy extends BaseCallbackHandler {
      override name = "spy";
      override awaitHandlers = true;
      override handleChainStart(...args: unknown[]) {
        calls.push(args);
      }
    }
    const outer = RunnableLambda.from(async (x: number) => inner.invoke(x)).withConfig({ runName: "outer" });
    const inner = RunnableLambda.from((x: number) => x + 1).withConfig({ runName: "inner" });
    await outer.invoke(1, { callbacks: [new Spy()], tags: ["t"], metadata: { m: 1 } });
    const [rootCall, childCall] = calls;
    expect(rootCall![3]).toBeUndefined(); // parentRunId of the root
    expect(childCall![3]).toBe(rootCall![2]); // the child's parent is the root's run id
    expect(childCall![4]).toEqual(expect.arrayContaining(["t"]));
    expect(childCall![5]).toMatchObject({ m: 1 });
    expect(childCall![7]).toBe("inner");
  });

  it("the handler nests runs correctly, and copes with the declared order too", async () => {
    const { trail, events } = memoryTrail({ level: "trace" });
    const handler = trail.handler();
    handler.handleChainStart({ lc: 1, type: "not_implemented", id: ["x", "Root"] }, { q: 1 }, "00000000-0000-7000-8000-000000000001");
    // declared .d.ts order: (chain, inputs, runId, runType, tags, metadata, runName, parentRunId)
    (handler.handleChainStart as (...a: unknown[]) => void)({ lc: 1, type: "not_implemented", id: ["x", "Child"] }, {}, "00000000-0000-7000-8000-000000000002", "sometype", [], {}, "child", "00000000-0000-7000-8000-000000000001");
    handler.handleChainEnd({}, "00000000-0000-7000-8000-000000000002");
    handler.handleChainEnd({ a: "done" }, "00000000-0000-7000-8000-000000000001");
    const child = events.find((e) => e.type === "chain_start" && e.name === "child")!;
    expect(child.parent_run_id).toBe("00000000-0000-7000-8000-000000000001");
    expect(ofType(events, "output")).toHaveLength(1);
  });
});

describe("model call details from real providers' callback arguments", () => {
  it("takes provider, model, parameters and offered tools from ls_* metadata and invocation_params", () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const handler = trail.handler();
    const runId = "00000000-0000-7000-8000-0000000000aa";
    handler.handleChatModelStart(
      { lc: 1, type: "constructor", id: ["langchain", "chat_models", "openai", "ChatOpenAI"], kwargs: {} },
      [[new HumanMessage("hi")]],
      runId,
      undefined,
      { invocation_params: { model: "gpt-4o-mini", temperature: 0.2, max_tokens: 256, tools: [{ type: "function", function: { name: "search", parameters: {} } }], tool_choice: "auto" } },
      [],
      { ls_provider: "openai", ls_model_name: "gpt-4o-mini", ls_model_type: "chat", ls_temperature: 0.2 },
    );
    handler.handleLLMEnd(
      { generations: [[{ text: "", message: new AIMessageChunk({ content: "hello", response_metadata: { model_name: "gpt-4o-mini-2024-07-18", finish_reason: "stop" } }) } as never]], llmOutput: { tokenUsage: { promptTokens: 9, completionTokens: 2, totalTokens: 11 } } },
      runId,
    );
    const [start, , end] = events;
    expect(start!.data).toEqual({
      provider: "openai",
      model: "gpt-4o-mini",
      model_type: "chat",
      params: { model: "gpt-4o-mini", temperature: 0.2, max_tokens: 256, tool_choice: "auto" },
      tools: ["search"],
      messages: [{ role: "user", content: "hi" }],
    });
    expect(start!.metadata).toBeUndefined(); // ls_* keys are data, not metadata
    expect(end!.data).toMatchObject({ provider: "openai", model: "gpt-4o-mini-2024-07-18", finish_reason: "stop", usage: { input_tokens: 9, output_tokens: 2, total_tokens: 11 } });
  });
});
