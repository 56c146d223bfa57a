/** LangGraph StateGraph nodes are visible at the default level, with the state update each made. */
import { describe, expect, it } from "vitest";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { AIMessage, fakeModel, HumanMessage } from "langchain";
import { createAuditTrail } from "../../src/pipeline/trail.js";
import { memorySink } from "../../src/sinks/memory.js";
import { expectConnectedTree, expectValidEvents, ofType } from "../helpers.js";
import { oneToolAgent } from "./fixtures.js";

const State = Annotation.Root({
  question: Annotation<string>(),
  docs: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  answer: Annotation<string | undefined>(),
});

function graph() {
  const model = fakeModel().respond(new AIMessage("Paris is sunny."));
  return new StateGraph(State)
    .addNode("retrieve", async (s) => ({ docs: [`forecast for ${s.question}`] }))
    .addNode("respond", async (s) => ({ answer: String((await model.invoke([new HumanMessage(s.docs.join("\n"))])).content) }))
    .addEdge(START, "retrieve")
    .addEdge("retrieve", "respond")
    .addEdge("respond", END)
    .compile();
}

describe("LangGraph nodes", () => {
  it("each node of a StateGraph is a run at the default level, with its step and the update it returned", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink] }); // default level
    await graph().invoke({ question: "Paris" }, { callbacks: [trail.handler()] });
    await trail.flush();
    const events = sink.events;
    expectValidEvents(events);
    expectConnectedTree(events);
    const starts = ofType(events, "chain_start").filter((e) => e.parent_run_id !== undefined);
    expect(starts.map((e) => [e.name, e.data.node, e.data.step])).toEqual([
      ["retrieve", "retrieve", 1],
      ["respond", "respond", 2],
    ]);
    const ends = ofType(events, "chain_end").filter((e) => e.parent_run_id !== undefined);
    expect(ends.map((e) => e.data.outputs)).toEqual([{ docs: ["forecast for Paris"] }, { answer: "Paris is sunny." }]);
    expect(ends.map((e) => e.data.changed)).toEqual([["docs"], ["answer"]]);
    for (const e of ends) expect(e.duration_ms).toBeGreaterThanOrEqual(0);
    // The model call inside "respond" hangs under that node.
    const answerNode = starts[1]!;
    expect(ofType(events, "llm_end")[0]!.parent_run_id).toBe(answerNode.run_id);
    // Internal plumbing (__start__, channel writes, runnables inside a node) stays at trace level.
    expect(events.some((e) => e.name === "__start__" || e.name === "RunnableLambda")).toBe(false);
  });

  it("at level info nodes are filtered, and createAgent's own nodes are not doubled as chains", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink], level: "info" });
    await graph().invoke({ question: "Paris" }, { callbacks: [trail.handler()] });
    await trail.flush();
    expect(ofType(sink.events, "chain_start").filter((e) => e.parent_run_id !== undefined)).toHaveLength(0);

    const agentSink = memorySink();
    const agentTrail = createAuditTrail({ sinks: [agentSink] });
    await oneToolAgent().invoke({ messages: [new HumanMessage("Flights?")] }, { callbacks: [agentTrail.handler()] });
    await agentTrail.flush();
    expect(ofType(agentSink.events, "chain_start").map((e) => e.name)).toEqual(["LangGraph"]);
  });
});
