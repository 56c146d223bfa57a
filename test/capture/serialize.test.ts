import { describe, it, expect } from "vitest";
import { AIMessage, HumanMessage, ToolMessage, SystemMessage } from "@langchain/core/messages";
import { toJson } from "../../src/capture/serialize.js";
import { DEFAULT_LIMITS } from "../../src/limits/capture-limits.js";

describe("toJson (safe serialization)", () => {
  it("marks circular references instead of throwing", () => {
    const a: Record<string, unknown> = { name: "a" };
    a.self = a;
    a.list = [a];
    expect(toJson(a)).toEqual({ name: "a", self: "[Circular]", list: ["[Circular]"] });
  });

  it("keeps shared (non-circular) references in full", () => {
    const shared = { x: 1 };
    expect(toJson({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it("handles BigInt, NaN, Infinity, symbols, functions and undefined", () => {
    expect(toJson({ big: 12345678901234567890n, nan: NaN, inf: -Infinity, sym: Symbol("s"), fn() {}, u: undefined, arr: [undefined] })).toEqual({
      big: "12345678901234567890n",
      nan: "NaN",
      inf: "-Infinity",
      sym: "Symbol(s)",
      arr: [null],
    });
    expect(toJson(() => 1)).toBe("[Function anonymous]");
  });

  it("records binary data by type and size only", () => {
    expect(toJson({ buf: Buffer.from("secret bytes"), u8: new Uint8Array(4), ab: new ArrayBuffer(8) })).toEqual({
      buf: "[Binary Buffer 12 bytes]",
      u8: "[Binary Uint8Array 4 bytes]",
      ab: "[Binary ArrayBuffer 8 bytes]",
    });
  });

  it("serializes Map, Set, Date, RegExp", () => {
    const d = new Date("2026-01-02T03:04:05.678Z");
    expect(toJson({ m: new Map<unknown, unknown>([["k", 1], [2, "two"]]), s: new Set([1, 2]), d, bad: new Date(NaN), r: /ab+c/gi })).toEqual({
      m: { k: 1, "2": "two" },
      s: [1, 2],
      d: "2026-01-02T03:04:05.678Z",
      bad: "Invalid Date",
      r: "/ab+c/gi",
    });
  });

  it("serializes errors with their type, stack, code and cause chain", () => {
    class PaymentError extends Error {}
    const root = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const err = new PaymentError("payment failed", { cause: root });
    const out = toJson(err) as Record<string, any>;
    expect(out.type).toBe("PaymentError");
    expect(out.message).toBe("payment failed");
    expect(out.stack).toContain("payment failed");
    expect(out.cause).toMatchObject({ type: "Error", message: "socket hang up", code: "ECONNRESET" });
  });

  it("serializes class instances by their own fields, and survives throwing getters", () => {
    class Booking {
      id = "b1";
      #secret = "hidden";
      get total() {
        return 3;
      }
    }
    const obj = { booking: new Booking() } as Record<string, unknown>;
    Object.defineProperty(obj, "explodes", { enumerable: true, get: () => { throw new Error("nope"); } });
    expect(toJson(obj)).toEqual({ booking: { id: "b1" }, explodes: "[Unserializable: Error: nope]" });
  });

  it("uses toJSON where a class defines one", () => {
    class Money {
      constructor(private cents: number) {}
      toJSON() {
        return `${this.cents / 100} EUR`;
      }
    }
    expect(toJson({ price: new Money(18900) })).toEqual({ price: "189 EUR" });
  });

  it("compacts LangChain messages to {role, content, tool_calls}", () => {
    const msgs = [
      new SystemMessage("be brief"),
      new HumanMessage({ content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] }),
      new AIMessage({ content: "calling", tool_calls: [{ id: "c1", name: "search", args: { q: "x" }, type: "tool_call" }] }),
      new ToolMessage({ content: "found", tool_call_id: "c1", name: "search", status: "error" }),
    ];
    expect(toJson({ messages: msgs })).toEqual({
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
        { role: "assistant", content: "calling", tool_calls: [{ id: "c1", name: "search", args: { q: "x" } }] },
        { role: "tool", content: "found", name: "search", tool_call_id: "c1", status: "error" },
      ],
    });
    // Messages already serialized to LangChain's constructor form are compacted too.
    expect(toJson(JSON.parse(JSON.stringify(new HumanMessage("hello"))))).toEqual({ role: "user", content: "hello" });
  });

  it("truncates long strings with an explicit marker and omits data URLs", () => {
    const limits = { ...DEFAULT_LIMITS, maxStringLength: 100 };
    const out = toJson({ long: "x".repeat(250), img: `data:image/png;base64,${"A".repeat(500)}` }, limits) as Record<string, string>;
    expect(out.long).toBe(`${"x".repeat(100)}…[truncated 150 chars]`);
    // 500 base64 characters are 375 bytes; the hash is of those bytes.
    expect(out.img).toMatch(/^\[data URL image\/png, 375 bytes, sha256 [0-9a-f]{64}\]$/);
    expect(toJson("y".repeat(32 * 1024 + 5))).toMatch(/…\[truncated 5 chars\]$/);
  });

  it("truncates depth and long arrays with markers", () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 30; i++) deep = { next: deep };
    const out = JSON.stringify(toJson(deep, { ...DEFAULT_LIMITS, maxDepth: 5 }));
    expect(out).toContain("[Truncated: deeper than 5 levels]");
    expect(toJson([1, 2, 3, 4], { ...DEFAULT_LIMITS, maxItems: 2 })).toEqual([1, 2, "[Truncated: 2 more items]"]);
  });

  it("never throws, whatever it is given", () => {
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error("trap"); } });
    expect(() => toJson(proxy)).not.toThrow();
    expect(toJson(proxy)).toMatch(/Unserializable/);
    expect(JSON.stringify(toJson(proxy))).toBeTypeOf("string");
  });
});

describe("LangChain objects are recorded as what they mean", () => {
  it("prompt values, templates and documents carry their content, never lc_kwargs", async () => {
    const { ChatPromptTemplate, PromptTemplate } = await import("@langchain/core/prompts");
    const { Document } = await import("@langchain/core/documents");
    const chat = await ChatPromptTemplate.fromMessages([["system", "Be {style}."], ["user", "{q}"]]).invoke({ style: "brief", q: "Hi" });
    expect(toJson(chat)).toEqual({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] });
    expect(toJson(await PromptTemplate.fromTemplate("Tell me about {x}").invoke({ x: "Paris" }))).toEqual({ value: "Tell me about Paris" });
    expect(toJson(new Document({ pageContent: "Paris is", metadata: { source: "wiki" } }))).toEqual({ pageContent: "Paris is", metadata: { source: "wiki" } });
    expect(JSON.stringify(toJson(ChatPromptTemplate.fromMessages([["user", "{q}"]])))).not.toMatch(/lc_/);
  });

  it("an LCEL prompt | model chain at trace level records formatted messages, not LangChain internals", async () => {
    const { ChatPromptTemplate } = await import("@langchain/core/prompts");
    const { fakeModel, AIMessage } = await import("langchain");
    const { memoryTrail } = await import("../helpers.js");
    const { trail, events } = memoryTrail({ level: "trace" });
    const chain = ChatPromptTemplate.fromMessages([["system", "Be brief."], ["user", "{q}"]]).pipe(fakeModel().respond(new AIMessage("Sunny.")));
    await chain.invoke({ q: "Weather in Paris?" }, { callbacks: [trail.handler()] });
    await trail.flush();
    const wire = JSON.stringify(events);
    expect(wire).not.toMatch(/lc_kwargs|lc_namespace|lc_serializable/);
    expect(wire).toContain('"content":"Weather in Paris?"');
    expect(events.find((e) => e.type === "input")!.data).toEqual({ content: "Weather in Paris?" });
  });
});
