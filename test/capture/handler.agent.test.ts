import { describe, it, expect } from "vitest";
import { createAgent, fakeModel, AIMessage, HumanMessage } from "langchain";
import { expectConnectedTree, expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { failingTool, oneToolAgent, searchTool, usage, weatherTool } from "./fixtures.js";

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

describe("AuditCallbackHandler on a createAgent agent", () => {
  it("records input, reasoning, the model and tool calls and the output of a tool-calling run", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const handler = trail.handler();
    const result = await oneToolAgent().invoke(ask("Flights to Paris?"), { callbacks: [handler], metadata: { session_id: "s-1", user_id: "u-1" } });
    expect(result.messages.at(-1)!.content).toBe("Found 3 flights.");

    expect(events.map((e) => e.type)).toEqual([
      "chain_start",
      "input",
      "llm_start",
      "llm_end",
      "reasoning",
      "tool_start",
      "tool_end",
      "llm_start",
      "llm_end",
      "chain_end",
      "output",
    ]);
    const root = events[0]!;
    expect(root).toMatchObject({ level: "info", name: "LangGraph", session_id: "s-1", user_id: "u-1" });
    expect(root.parent_run_id).toBeUndefined();
    for (const e of events) {
      expect(e).toMatchObject({ session_id: "s-1", user_id: "u-1", trace_id: root.run_id });
    }
    expect(ofType(events, "input")[0]!.data).toEqual({ role: "user", content: "Flights to Paris?" });
    expect(ofType(events, "reasoning")[0]!.data).toEqual({ thought: "Let me search.", tool_calls: [{ id: "call_1", name: "search_flights", args: { to: "Paris" } }] });

    const [toolStart, toolEnd] = [ofType(events, "tool_start")[0]!, ofType(events, "tool_end")[0]!];
    expect(toolStart.data).toEqual({ tool: "search_flights", tool_call_id: "call_1", args: { to: "Paris" } });
    expect(toolEnd).toMatchObject({ level: "info", status: "ok", run_id: toolStart.run_id, data: { tool: "search_flights", tool_call_id: "call_1", result: "3 flights to Paris" } });
    expect(toolEnd.duration_ms).toBeGreaterThanOrEqual(0);
    // LangGraph's "tools" node is a trace-level step: at debug the tool hangs from the root.
    expect(toolStart.parent_run_id).toBe(root.run_id);

    const llmStart = ofType(events, "llm_start")[0]!;
    expect(llmStart.data).toMatchObject({ provider: "FakeBuiltModel", model_type: "chat", messages: [{ role: "user", content: "Flights to Paris?" }] });
    const llmEnd = ofType(events, "llm_end")[1]!;
    expect(llmEnd.data).toMatchObject({ model: "gpt-test", usage: usage(20, 4), output: { role: "assistant", content: "Found 3 flights." } });

    expect(ofType(events, "output")[0]).toMatchObject({
      status: "ok",
      parent_run_id: root.run_id,
      data: { role: "assistant", content: "Found 3 flights.", usage: usage(30, 9), models: ["gpt-test"], llm_calls: 2, tool_calls: 1 },
    });
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
    expectValidEvents(events);
    expectConnectedTree(events);
    expect(handler.openRuns).toBe(0);
    expect(trail.stats()).toMatchObject({ recorded: events.length, internal_errors: 0 });
  });

  it("records a failing tool with its error type, message and stack, once", async () => {
    const { trail, events } = memoryTrail({ level: "trace" });
    const model = fakeModel()
      .respond(new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "book_flight", args: { flight: "AF1" }, type: "tool_call" }] }))
      .respond(new AIMessage("Sorry, booking failed."));
    const agent = createAgent({ model, tools: [failingTool()] });
    await agent.invoke(ask("Book AF1"), { callbacks: [trail.handler()] });

    const toolError = ofType(events, "tool_error");
    expect(toolError).toHaveLength(1);
    expect(toolError[0]).toMatchObject({ level: "error", status: "error", name: "book_flight", data: { tool: "book_flight", tool_call_id: "c1", error: { type: "PaymentTimeoutError", message: "Payment API timeout" } } });
    expect((toolError[0]!.data.error as { stack: string }).stack).toContain("Payment API timeout");
    // The agent turned the failure into a ToolMessage and carried on: the run itself succeeded.
    expect(ofType(events, "output")[0]).toMatchObject({ status: "ok", data: { content: "Sorry, booking failed.", errors: 1 } });
    expect(events.filter((e) => e.level === "error")).toHaveLength(1);
    expectValidEvents(events);
    expectConnectedTree(events);
  });

  it("records a model error once at error level, its propagation at trace level, and a failed output", async () => {
    const { trail, events } = memoryTrail({ level: "trace" });
    const agent = createAgent({ model: fakeModel().respond(new Error("429 rate limited")), tools: [searchTool()] });
    await expect(agent.invoke(ask("hi"), { callbacks: [trail.handler()] })).rejects.toThrow("429 rate limited");

    const llmError = ofType(events, "llm_error");
    expect(llmError).toHaveLength(1);
    expect(llmError[0]).toMatchObject({ level: "error", status: "error", data: { error: { message: "429 rate limited" } } });
    const chainErrors = ofType(events, "chain_error");
    const root = chainErrors.find((e) => e.parent_run_id === undefined)!;
    expect(root).toMatchObject({ level: "error", data: { propagated: true } });
    for (const e of chainErrors.filter((c) => c !== root)) expect(e).toMatchObject({ level: "trace", data: { propagated: true } });
    expect(ofType(events, "output")[0]).toMatchObject({ status: "error", data: { error: { message: "429 rate limited" }, errors: 1 } });
    expectValidEvents(events);
    expectConnectedTree(events);
  });

  it("pairs parallel tool calls that finish out of order", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const model = fakeModel()
      .respond(
        new AIMessage({
          content: "",
          tool_calls: [
            { id: "slow", name: "search_flights", args: { to: "Rome" }, type: "tool_call" },
            { id: "fast", name: "get_weather", args: { city: "Rome" }, type: "tool_call" },
          ],
        }),
      )
      .respond(new AIMessage("Done."));
    const agent = createAgent({ model, tools: [searchTool(60), weatherTool(0)] });
    await agent.invoke(ask("Rome?"), { callbacks: [trail.handler()] });

    const ends = ofType(events, "tool_end");
    expect(ends.map((e) => e.data.tool_call_id)).toEqual(["fast", "slow"]);
    for (const end of ends) {
      const start = ofType(events, "tool_start").find((s) => s.run_id === end.run_id)!;
      expect(start.data.tool_call_id).toBe(end.data.tool_call_id);
      expect(end.data.tool).toBe(start.data.tool);
    }
    expect(ends[1]!.data.result).toBe("3 flights to Rome");
    expect(ends[1]!.duration_ms!).toBeGreaterThan(ends[0]!.duration_ms!);
    expectConnectedTree(events);
  });

  it("keeps concurrent invocations on one handler apart", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const handler = trail.handler();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => oneToolAgent(`answer ${i}`).invoke(ask(`question ${i}`), { callbacks: [handler], metadata: { session_id: `s-${i}` } })),
    );
    for (let i = 0; i < 8; i++) {
      const mine = events.filter((e) => e.session_id === `s-${i}`);
      expect(mine).toHaveLength(11);
      const traceIds = new Set(mine.map((e) => e.trace_id));
      expect(traceIds.size).toBe(1);
      expect(ofType(mine, "input")[0]!.data.content).toBe(`question ${i}`);
      expect(ofType(mine, "output")[0]!.data.content).toBe(`answer ${i}`);
      expectConnectedTree(mine);
    }
    expect(handler.openRuns).toBe(0);
  });

  it("has recorded every event by the time invoke() returns (awaitHandlers)", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const handler = trail.handler();
    expect(handler.awaitHandlers).toBe(true);
    await oneToolAgent().invoke(ask("x"), { callbacks: [handler] });
    expect(events.at(-1)!.type).toBe("output");
  });
});
