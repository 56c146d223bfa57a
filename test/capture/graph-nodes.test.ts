/** LangGraph StateGraph nodes are visible at the default level, with the state update each made. */
import { describe, expect, it } from "vitest";
import { Annotation, Command, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { AIMessage, fakeModel, HumanMessage } from "langchain";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
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

const Review = Annotation.Root({
  q: Annotation<string>(),
  text: Annotation<string | undefined>(),
  approved: Annotation<boolean | undefined>(),
});

/** plan → writer (a subgraph: draft → check) → approve (asks a human). */
function reviewGraph(opts: { askInSubgraph?: boolean } = {}) {
  const writer = new StateGraph(Review)
    .addNode("draft", async (s) => ({ text: `draft of ${s.q}` }))
    .addNode("check", async (s) => (opts.askInSubgraph ? { approved: interrupt({ review: s.text }) === "yes" } : {}))
    .addEdge(START, "draft")
    .addEdge("draft", "check")
    .addEdge("check", END)
    .compile();
  return new StateGraph(Review)
    .addNode("plan", async (s) => ({ q: `${s.q}?` }))
    .addNode("writer", writer)
    .addNode("approve", async (s) => (opts.askInSubgraph ? {} : { approved: interrupt({ question: "publish?", draft: s.text }) === "yes" }))
    .addEdge(START, "plan")
    .addEdge("plan", "writer")
    .addEdge("writer", "approve")
    .addEdge("approve", END)
    .compile({ checkpointer: new MemorySaver() });
}

describe("LangGraph subgraphs and interrupts", () => {
  it("a subgraph's nodes nest under the node that runs it", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink] });
    const config = { configurable: { thread_id: "nest" }, callbacks: [trail.handler()] };
    await reviewGraph().invoke({ q: "Paris" }, config);
    await trail.flush();
    expectValidEvents(sink.events);
    expectConnectedTree(sink.events);
    const starts = ofType(sink.events, "chain_start");
    const byName = new Map(starts.map((e) => [e.name, e]));
    const root = byName.get("LangGraph")!;
    expect(byName.get("plan")!.parent_run_id).toBe(root.run_id);
    expect(byName.get("writer")!.parent_run_id).toBe(root.run_id);
    expect(byName.get("draft")!.parent_run_id).toBe(byName.get("writer")!.run_id);
    expect(byName.get("check")!.parent_run_id).toBe(byName.get("writer")!.run_id);
    // Steps count within each graph: the subgraph starts its own.
    expect(starts.filter((e) => e.parent_run_id).map((e) => [e.name, e.data.step])).toEqual([
      ["plan", 1],
      ["writer", 2],
      ["draft", 1],
      ["check", 2],
      ["approve", 3],
    ]);
  });

  it("interrupt() ends the node and the run as interrupted with what was asked; the resume names the paused trace", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink] });
    const graph = reviewGraph();
    const config = { configurable: { thread_id: "review-1" }, callbacks: [trail.handler()] };
    const paused = (await graph.invoke({ q: "Paris" }, config)) as { __interrupt__?: Array<{ id: string }> };
    expect(paused.__interrupt__).toHaveLength(1);
    const interruptId = paused.__interrupt__![0]!.id;
    await graph.invoke(new Command({ resume: "yes" }), config);
    await trail.flush();
    const events = sink.events;
    expectValidEvents(events);
    expectConnectedTree(events);

    const [first, second] = ofType(events, "output");
    expect(first!.status).toBe("interrupted");
    expect(first!.data.interrupts).toEqual([{ id: interruptId, value: { question: "publish?", draft: "draft of Paris?" } }]);
    // The node that asked ends as interrupted, at the default level like every node.
    const asked = ofType(events, "chain_end").filter((e) => e.name === "approve");
    expect(asked.map((e) => e.status)).toEqual(["interrupted", "ok"]);
    expect(asked[0]!.level).toBe("debug");
    expect(asked[0]!.data.interrupts).toEqual(first!.data.interrupts);
    expect(asked[1]!.data).toMatchObject({ outputs: { approved: true }, changed: ["approved"] });

    // The resume is its own trace, in the same session, linked to the one it answers.
    const inputs = ofType(events, "input");
    expect(inputs).toHaveLength(2);
    expect(inputs[1]!.trace_id).not.toBe(first!.trace_id);
    expect(inputs[1]!.session_id).toBe("review-1");
    expect(inputs[1]!.data).toMatchObject({
      command: { resume: "yes" },
      resumes: { trace_id: first!.trace_id, interrupts: [interruptId] },
    });
    expect(second!.status).toBe("ok");
  });

  it("an interrupt inside a subgraph marks the subgraph node and the root as interrupted", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink] });
    const graph = reviewGraph({ askInSubgraph: true });
    const config = { configurable: { thread_id: "review-2" }, callbacks: [trail.handler()] };
    await graph.invoke({ q: "Rome" }, config);
    await graph.invoke(new Command({ resume: "no" }), config);
    await trail.flush();
    expectValidEvents(sink.events);
    expectConnectedTree(sink.events);
    const ends = ofType(sink.events, "chain_end");
    const firstTrace = ends[0]!.trace_id;
    const paused = ends.filter((e) => e.trace_id === firstTrace && e.status === "interrupted").map((e) => e.name);
    expect(paused).toEqual(["check", "writer", "LangGraph"]);
    const [, resumed] = ofType(sink.events, "input");
    expect(resumed!.data.resumes).toMatchObject({ trace_id: firstTrace });
    expect(ends.filter((e) => e.trace_id !== firstTrace && e.name === "check").map((e) => e.data.outputs)).toEqual([{ approved: false }]);
  });

  it("a resume this process never saw pause still records its command, without a link", async () => {
    const sink = memorySink();
    const graph = reviewGraph();
    const config = { configurable: { thread_id: "review-3" } };
    await graph.invoke({ q: "Oslo" }, config); // paused before auditing began (another process)
    const trail = createAuditTrail({ sinks: [sink] });
    await graph.invoke(new Command({ resume: "yes" }), { ...config, callbacks: [trail.handler()] });
    await trail.flush();
    const [input] = ofType(sink.events, "input");
    expect(input!.data.command).toMatchObject({ resume: "yes" });
    expect(input!.data.resumes).toBeUndefined();
  });
});
