// The agent middleware: audit from inside createAgent, the tool policy, and working together with
// the callback handler (one record per fact, one connected tree).
import { describe, expect, it } from "vitest";
import { createAgent, fakeModel, tool, AIMessage, HumanMessage, ToolMessage, humanInTheLoopMiddleware } from "langchain";
import { MemorySaver, Command } from "@langchain/langgraph";
import * as z from "zod";
import { auditMiddleware } from "../../src/capture/middleware.js";
import { AuditConfigError } from "../../src/shared/config.js";
import { expectConnectedTree, expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { usage } from "./fixtures.js";

function tools() {
  const executed: string[] = [];
  const sendEmail = tool(async ({ to }) => (executed.push(`send_email:${to}`), `sent to ${to}`), {
    name: "send_email",
    description: "send an e-mail",
    schema: z.object({ to: z.string(), body: z.string() }),
  });
  const sql = tool(async ({ query }) => (executed.push(`sql:${query}`), "3 rows"), { name: "sql", description: "run SQL", schema: z.object({ query: z.string() }) });
  return { executed, sendEmail, sql };
}

const POLICY = [
  { tool: "send_email", when: (a: Record<string, unknown>) => !String(a.to).endsWith("@acme.test"), action: "block" as const, reason: "recipient outside acme.test" },
  { tool: /^sql$/, when: (a: Record<string, unknown>) => /\bDROP\b/i.test(String(a.query)), action: "block" as const, reason: "destructive SQL", name: "no-drop" },
  { tool: "sql", action: "flag" as const, reason: "SQL is audited" },
];

function agentCalling(calls: Array<{ name: string; args: Record<string, unknown> }>, finalText = "Done.") {
  const t = tools();
  const model = fakeModel()
    .respond(new AIMessage({ content: "On it.", tool_calls: calls.map((c, i) => ({ id: `call_${i}`, name: c.name, args: c.args, type: "tool_call" as const })), usage_metadata: usage(10, 4) }))
    .respond(new AIMessage({ content: finalText, usage_metadata: usage(20, 3) }));
  return { ...t, model };
}

describe("auditMiddleware on its own", () => {
  it("records input, the exact model request, reasoning, tool calls and output as one tree", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const { model, sql } = agentCalling([{ name: "sql", args: { query: "SELECT 1" } }]);
    const agent = createAgent({ model, tools: [sql], systemPrompt: "You are careful.", middleware: [trail.middleware({ userId: "u-1" })] });
    await agent.invoke({ messages: [new HumanMessage("Count the rows")] }, { configurable: { thread_id: "thread-9" } });

    expect(events.map((e) => e.type)).toEqual(["input", "llm_start", "llm_end", "reasoning", "tool_start", "tool_end", "llm_start", "llm_end", "output"]);
    for (const e of events) expect(e).toMatchObject({ session_id: "thread-9", user_id: "u-1" });
    const traceIds = new Set(events.map((e) => e.trace_id));
    expect(traceIds.size).toBe(1);
    expectConnectedTree(events);
    expectValidEvents(events);
    const request = ofType(events, "llm_start")[0]!.data as { messages: Array<{ role: string; content: string }>; tools: string[] };
    expect(request.messages[0]!.role).toBe("system"); // exactly as sent: LangChain sends it as content blocks
    expect(JSON.stringify(request.messages[0]!.content)).toContain("You are careful.");
    expect(request.messages[1]).toMatchObject({ role: "user", content: "Count the rows" });
    expect(request.tools).toEqual(["sql"]);
    expect(ofType(events, "llm_end")[0]!.data).toMatchObject({ usage: { input_tokens: 10, output_tokens: 4 } });
    expect(ofType(events, "reasoning")[0]!.data).toMatchObject({ thought: "On it.", tool_calls: [{ name: "sql" }] });
    expect(ofType(events, "output")[0]!.data).toMatchObject({ content: "Done.", llm_calls: 2, tool_calls: 1, usage: { total_tokens: 37 } });
  });

  it("records a failing model call even though afterAgent never runs", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const model = fakeModel().respond(new Error("provider overloaded"));
    const agent = createAgent({ model, tools: [], middleware: [trail.middleware()] });
    await expect(agent.invoke({ messages: [new HumanMessage("hi")] })).rejects.toThrow("provider overloaded");
    const failure = ofType(events, "llm_error")[0]!;
    expect(failure).toMatchObject({ level: "error", status: "error", data: { error: { message: "provider overloaded" } } });
    expectConnectedTree(events);
  });
});

describe("tool policy", () => {
  it("blocks a call: the tool never runs, the model is told why, and a policy event is recorded at error", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const { model, sendEmail, sql, executed } = agentCalling([
      { name: "send_email", args: { to: "eve@evil.test", body: "the data" } },
      { name: "sql", args: { query: "DROP TABLE users" } },
      { name: "send_email", args: { to: "bob@acme.test", body: "hi" } },
    ]);
    const agent = createAgent({ model, tools: [sendEmail, sql], middleware: [trail.middleware({ policy: POLICY })] });
    const result = await agent.invoke({ messages: [new HumanMessage("go")] });

    expect(executed).toEqual(["send_email:bob@acme.test"]);
    const refusals = result.messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m) && m.status === "error");
    expect(refusals.map((m) => m.content)).toEqual([
      "Refused by policy (rule 1): recipient outside acme.test. This tool call was not executed; do not retry it.",
      "Refused by policy (no-drop): destructive SQL. This tool call was not executed; do not retry it.",
    ]);
    // The model saw the refusals on its next call.
    const secondCall = model.calls[1]!.messages.map((m) => String(m.content));
    expect(secondCall.some((c) => c.includes("recipient outside acme.test"))).toBe(true);

    const policy = ofType(events, "policy");
    expect(policy.map((e) => [e.level, e.name, (e.data as { action: string }).action, (e.data as { rule: string }).rule])).toEqual([
      ["error", "send_email", "block", "rule 1"],
      ["error", "sql", "block", "no-drop"],
    ]);
    expect(ofType(events, "tool_start").map((e) => e.name)).toEqual(["send_email"]); // only what executed
  });

  it("flags a call: it runs, and the policy event is recorded at warn", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const { model, sql, executed } = agentCalling([{ name: "sql", args: { query: "SELECT * FROM orders" } }]);
    const agent = createAgent({ model, tools: [sql], middleware: [trail.middleware({ policy: POLICY })] });
    await agent.invoke({ messages: [new HumanMessage("go")] });
    expect(executed).toEqual(["sql:SELECT * FROM orders"]);
    expect(ofType(events, "policy")[0]).toMatchObject({ level: "warn", data: { action: "flag", reason: "SQL is audited", args: { query: "SELECT * FROM orders" } } });
    expect(ofType(events, "tool_end")).toHaveLength(1);
  });

  it("rejects bad rules at construction, naming the rule", () => {
    expect(() => auditMiddleware({ policy: [{ tool: "x", action: "allow" }, { tool: "y", action: "deny" as never }] })).toThrow(AuditConfigError);
    expect(() => auditMiddleware({ policy: [{ tool: "x", action: "allow" }, { tool: "y", action: "deny" as never }] })).toThrow(/policy\.1\.action: action must be "allow", "flag" or "block"/);
    expect(() => auditMiddleware({ policy: [{ action: "block" } as never] })).toThrow(/policy\.0\.tool/);
  });
});

describe("middleware and handler together", () => {
  it("records each fact once, in one connected tree, with policy events under the tool node", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const { model, sendEmail, sql } = agentCalling([
      { name: "sql", args: { query: "SELECT 1" } },
      { name: "send_email", args: { to: "x@evil.test", body: "b" } },
    ]);
    const agent = createAgent({ model, tools: [sendEmail, sql], middleware: [trail.middleware({ policy: POLICY })] });
    await agent.invoke({ messages: [new HumanMessage("go")] }, { callbacks: [trail.handler()], configurable: { thread_id: "t-1" } });

    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count("input")).toBe(1);
    expect(count("output")).toBe(1);
    expect(count("llm_start")).toBe(2);
    expect(count("llm_end")).toBe(2);
    expect(count("reasoning")).toBe(1);
    expect(count("tool_start")).toBe(1); // the blocked call never started
    expect(count("policy")).toBe(2);
    expect(new Set(events.map((e) => e.trace_id)).size).toBe(1);
    expectConnectedTree(events);
    for (const p of ofType(events, "policy")) expect(p.parent_run_id).toBeDefined();
  });

  it("redactModelInput: the model receives redacted text, and that is recorded", async () => {
    const { trail, events } = memoryTrail({ level: "debug" });
    const model = fakeModel().respond(new AIMessage("ok"));
    const agent = createAgent({ model, tools: [], middleware: [trail.middleware({ redactModelInput: true })] });
    await agent.invoke({ messages: [new HumanMessage("my card is 4111 1111 1111 1111, mail jane@example.com")] });
    const seen = model.calls[0]!.messages.map((m) => String(m.content)).join(" ");
    expect(seen).not.toContain("jane@example.com");
    expect(seen).toContain("[EMAIL]");
    expect(ofType(events, "custom")[0]).toMatchObject({ name: "model_input_redacted", data: { values: 2, entities: expect.arrayContaining(["EMAIL", "CREDIT_CARD"]) } });
  });

  it("a human-in-the-loop interrupt and its resume are a pause and a resume on the same thread", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const { model, sql, executed } = agentCalling([{ name: "sql", args: { query: "SELECT 2" } }]);
    const agent = createAgent({
      model,
      tools: [sql],
      checkpointer: new MemorySaver(),
      middleware: [humanInTheLoopMiddleware({ interruptOn: { sql: true } }), trail.middleware()],
    });
    const config = { callbacks: [trail.handler()], configurable: { thread_id: "hitl-1" } };
    const paused = await agent.invoke({ messages: [new HumanMessage("query")] }, config);
    expect(executed).toEqual([]);
    expect((paused as { __interrupt__?: unknown[] }).__interrupt__).toHaveLength(1);
    await agent.invoke(new Command({ resume: { decisions: [{ type: "approve" }] } }) as never, config);
    expect(executed).toEqual(["sql:SELECT 2"]);

    const outputs = ofType(events, "output");
    expect(outputs.map((o) => o.status)).toEqual(["interrupted", "ok"]);
    const inputs = ofType(events, "input");
    expect(inputs[1]!.data).toMatchObject({ command: expect.anything() });
    for (const e of events) expect(e.session_id).toBe("hitl-1");
  });
});
