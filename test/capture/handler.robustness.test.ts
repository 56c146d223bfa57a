import { describe, it, expect, vi } from "vitest";
import { createAgent, fakeModel, tool, AIMessage, HumanMessage } from "langchain";
import { RunnableLambda } from "@langchain/core/runnables";
import * as z from "zod";
import { AuditCallbackHandler } from "../../src/capture/handler.js";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { memorySink } from "../../src/sinks/memory.js";
import type { Sink } from "../../src/sinks/types.js";
import { expectConnectedTree, expectValidEvents, memoryTrail, ofType, tempDir } from "../helpers.js";
import { oneToolAgent, sleep } from "./fixtures.js";

const ask = (text: string) => ({ messages: [new HumanMessage(text)] });

describe("levels", () => {
  it("at info: no model calls, tools hang from the root, the tree stays connected", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    await oneToolAgent().invoke(ask("x"), { callbacks: [trail.handler()] });
    expect(events.map((e) => e.type)).toEqual(["chain_start", "input", "tool_start", "tool_end", "chain_end", "output"]);
    expect(ofType(events, "tool_start")[0]!.parent_run_id).toBe(events[0]!.run_id);
    // Token spend is still on record: the output event totals it.
    expect(ofType(events, "output")[0]!.data).toMatchObject({ usage: { total_tokens: 39 }, llm_calls: 2 });
    expectConnectedTree(events);
  });

  it("at error: the root run is still recorded so failures have somewhere to hang", async () => {
    const { trail, events } = memoryTrail({ level: "error" });
    const agent = createAgent({ model: fakeModel().respond(new Error("model down")), tools: [] });
    await expect(agent.invoke(ask("x"), { callbacks: [trail.handler()] })).rejects.toThrow();
    expect(events.map((e) => `${e.type}:${e.level}`)).toEqual(["chain_start:info", "llm_error:error", "chain_error:error"]);
    expect(events[1]!.parent_run_id).toBe(events[0]!.run_id);
    expectConnectedTree(events);
  });

  it("a tool slower than slowToolMs is recorded at warn", async () => {
    const { trail, events } = memoryTrail({ level: "info", slowToolMs: 5 });
    const slow = tool(async () => { await sleep(30); return "done"; }, { name: "slow_tool", description: "slow", schema: z.object({}) });
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage({ content: "", tool_calls: [{ id: "c", name: "slow_tool", args: {}, type: "tool_call" }] })).respond(new AIMessage("ok")),
      tools: [slow],
    });
    await agent.invoke(ask("x"), { callbacks: [trail.handler()] });
    expect(ofType(events, "tool_end")[0]).toMatchObject({ level: "warn", data: { slow: { threshold_ms: 5 } } });
  });
});

describe("bad runtime data never breaks the run", () => {
  it("tools returning circular objects, BigInt and binary are recorded safely", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const weird = tool(
      async () => {
        const o: Record<string, unknown> = { big: 10n ** 30n, bytes: new Uint8Array(3) };
        o.self = o;
        return ["weird result", o] as [string, unknown];
      },
      { name: "weird", description: "weird", schema: z.object({}), responseFormat: "content_and_artifact" },
    );
    const agent = createAgent({
      model: fakeModel().respond(new AIMessage({ content: "", tool_calls: [{ id: "c", name: "weird", args: {}, type: "tool_call" }] })).respond(new AIMessage("ok")),
      tools: [weird],
    });
    await agent.invoke(ask("x"), { callbacks: [trail.handler()] });
    expect(trail.stats().internal_errors).toBe(0);
    expectValidEvents(events);
    expect(ofType(events, "tool_end")[0]!.data).toMatchObject({
      result: "weird result",
      artifact: { big: "1000000000000000000000000000000n", bytes: "[Binary Uint8Array 3 bytes]", self: "[Circular]" },
    });
  });

  it("a sink that throws is counted, and neither the agent nor the other sinks notice", async () => {
    const good = memorySink();
    const broken: Sink = { name: "broken", kind: "local", send: () => { throw new Error("disk on fire"); } };
    const errors: Error[] = [];
    const trail = createAuditTrail({ sinks: [broken, good], onError: (e) => errors.push(e) });
    const result = await oneToolAgent().invoke(ask("x"), { callbacks: [trail.handler()] });
    expect(result.messages.at(-1)!.content).toBe("Found 3 flights.");
    const stats = trail.stats();
    // Nothing written, nothing lost yet: the events wait in memory for the sink to work again.
    expect(stats.sinks.broken).toMatchObject({ delivered: 0, failed: 0, dropped: 0, buffered: good.events.length, write_failures: good.events.length, last_error: "Error: disk on fire" });
    expect(stats.sinks.memory!.delivered).toBe(good.events.length);
    expect(errors[0]!.message).toContain("disk on fire");
  });

  it("a remote sink whose promise rejects is retried, and flush() gives up waiting after its timeout", async () => {
    const errors: Error[] = [];
    const trail = createAuditTrail({
      sinks: [{ name: "remote", send: async () => { throw new Error("ECONNREFUSED"); } }],
      spool: { dir: tempDir() },
      delivery: { initialBackoffMs: 5, maxBackoffMs: 20 },
      onError: (e) => errors.push(e),
    });
    const result = await oneToolAgent().invoke(ask("x"), { callbacks: [trail.handler()] });
    expect(result.messages.at(-1)!.content).toBe("Found 3 flights.");
    const flushed = await trail.flush({ timeoutMs: 300 });
    expect(flushed.complete).toBe(false);
    expect(flushed.pending.remote).toBe(trail.stats().recorded);
    expect(trail.stats().sinks.remote).toMatchObject({ delivered: 0, failed: 0 });
    expect(trail.stats().sinks.remote!.retries).toBeGreaterThan(1);
    expect(errors[0]!.message).toContain("ECONNREFUSED");
    await trail.shutdown({ timeoutMs: 50 });
  });

  it("garbage handed straight to the callbacks is swallowed and counted", () => {
    const { trail } = memoryTrail();
    const handler = trail.handler();
    const hostile = { get name(): string { throw new Error("getter exploded"); } };
    expect(() => handler.handleChainStart(hostile as never, {}, "r1")).not.toThrow();
    expect(() => handler.handleLLMEnd(null as never, "r1")).not.toThrow();
    expect(() => handler.handleToolEnd(undefined, "unknown-run")).not.toThrow();
    expect(trail.stats().internal_errors).toBeGreaterThan(0);
  });

  it("raiseError: true surfaces the handler's own failures", () => {
    const { trail } = memoryTrail();
    const handler = trail.handler({ raiseError: true });
    const hostile = { get name(): string { throw new Error("getter exploded"); } };
    expect(() => handler.handleChainStart(hostile as never, {}, "r1")).toThrow("getter exploded");
  });

  it("a handler failing inside a real run does not fail the run", async () => {
    const { trail } = memoryTrail();
    const handler = trail.handler();
    vi.spyOn(trail, "emit").mockImplementation(() => { throw new Error("emit broke"); });
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    const out = await RunnableLambda.from((x: number) => x * 2).invoke(21, { callbacks: [handler] });
    expect(out).toBe(42);
    expect(trail.stats().internal_errors).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalledTimes(1); // one warning, the rest counted
  });

  it("events after shutdown are dropped and counted, not thrown", async () => {
    const { trail } = memoryTrail();
    await trail.shutdown();
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    await RunnableLambda.from((x: number) => x).invoke(1, { callbacks: [trail.handler()] });
    expect(trail.stats().dropped).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalled();
  });
});

describe("context", () => {
  it("options beat run metadata, which beats the trail context; tags and metadata merge", async () => {
    const sink = memorySink();
    const trail = createAuditTrail({ sinks: [sink], context: { sessionId: "ctx-s", userId: "ctx-u", tags: ["prod"], metadata: { app: "web" } } });
    const step = RunnableLambda.from((x: number) => x);
    await step.invoke(1, { callbacks: [trail.handler()] });
    expect(sink.events[0]).toMatchObject({ session_id: "ctx-s", user_id: "ctx-u", tags: ["prod"], metadata: { app: "web" } });
    sink.clear();
    await step.invoke(1, { callbacks: [trail.handler()], metadata: { thread_id: "th", user_id: "meta-u", tenant: "acme" }, tags: ["beta"] });
    expect(sink.events[0]).toMatchObject({ session_id: "th", user_id: "meta-u", tags: ["prod", "beta"], metadata: { app: "web", tenant: "acme" } });
    sink.clear();
    await step.invoke(1, { callbacks: [trail.handler({ sessionId: "opt-s", userId: "opt-u" })], metadata: { session_id: "meta-s" } });
    expect(sink.events[0]).toMatchObject({ session_id: "opt-s", user_id: "opt-u" });
  });

  it("drops LangChain's internal tags and metadata", async () => {
    const { trail, events } = memoryTrail({ level: "trace" });
    await oneToolAgent().invoke(ask("x"), { callbacks: [trail.handler()], metadata: { session_id: "s" } });
    for (const e of events) {
      for (const tag of e.tags ?? []) expect(tag).not.toMatch(/^graph:step|langsmith:/);
      for (const key of Object.keys(e.metadata ?? {})) expect(key).not.toMatch(/^(ls_|langgraph_|checkpoint_)/);
    }
  });
});

describe("configuration errors", () => {
  it("name the field and the fix", () => {
    expect(() => createAuditTrail({ level: "verbose" as never })).toThrow(/level: .*got "verbose".*Fix: use one of "trace"/s);
    expect(() => createAuditTrail({ sinks: [{}] as never })).toThrow(/sinks\.0: each sink must be an object with a `name`/);
    expect(() => createAuditTrail({ sinks: [] })).toThrow(/sinks is empty/);
    expect(() => createAuditTrail({ levle: "info" } as never)).toThrow(/unknown option "levle"/);
    expect(() => createAuditTrail({ slowToolMs: -1 })).toThrow(/slowToolMs.*Fix: give a duration/);
    expect(() => createAuditTrail({ writer: "worker" })).toThrow(/writer: only "inline" is available.*writer-designs/s);
    expect(() => createAuditTrail({ writer: "inline", sinks: [memorySink()], exitHandlers: false })).not.toThrow();
    expect(() => new AuditCallbackHandler({ trail: {} as never })).toThrow(/trail: expected an AuditTrail/);
    expect(() => new AuditCallbackHandler({ sessionId: "" })).toThrow(/sessionId/);
  });

  it("trail.record() validates manual events and fills in the envelope", () => {
    const { trail, events } = memoryTrail({ context: { sessionId: "s", userId: "u" } });
    const e = trail.record({ type: "custom", name: "approval", data: { approved: true, by: "alice" } });
    expect(e).toMatchObject({ type: "custom", level: "info", session_id: "s", user_id: "u", seq: 1, data: { approved: true, by: "alice" } });
    expect(() => trail.record({ type: "nonsense" } as never)).toThrow(/invalid event: type/);
    expect(() => trail.record({ type: "custom", seq: 5 } as never)).toThrow(/invalid event/);
    expectValidEvents(events);
  });
});
