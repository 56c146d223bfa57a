/**
 * The `input` event holds the user's words in every shape LangChain accepts them, through a real
 * createAgent run and a bare chat-model call, and content blocks with inline bytes are recorded
 * by type, size and hash, never the bytes.
 */
import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { AIMessage, createAgent, fakeModel, HumanMessage, SystemMessage } from "langchain";
import { Command, MemorySaver } from "@langchain/langgraph";
import { extractInput } from "../../src/capture/extract.js";
import { DEFAULT_LIMITS } from "../../src/limits/capture-limits.js";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";
import { oneToolAgent } from "./fixtures.js";

const QUESTION = "Flights to Paris on Friday?";

describe("input event: the user's words, whatever shape they came in", () => {
  const shapes: Array<[string, unknown]> = [
    ["plain {role, content} objects (the LangChain docs' form)", { messages: [{ role: "user", content: QUESTION }] }],
    ["a {role: 'human'} object", { messages: [{ role: "human", content: QUESTION }] }],
    ["a {type: 'human'} object", { messages: [{ type: "human", content: QUESTION }] }],
    ["a tuple", { messages: [["user", QUESTION]] }],
    ["a bare string in the list", { messages: [QUESTION] }],
    ["a BaseMessage instance", { messages: [new HumanMessage(QUESTION)] }],
    ["history before the turn", { messages: [{ role: "system", content: "Be brief." }, ["user", "Hi"], ["assistant", "Hello!"], { role: "user", content: QUESTION }] }],
  ];
  for (const [label, input] of shapes) {
    it(`createAgent invoked with ${label}`, async () => {
      const { trail, events } = memoryTrail({ level: "info" });
      await oneToolAgent().invoke(input as never, { callbacks: [trail.handler()] });
      await trail.flush();
      expectValidEvents(events);
      expect(ofType(events, "input")[0]!.data).toEqual({ role: "user", content: QUESTION });
      expect(JSON.stringify(events)).not.toMatch(/lc_kwargs|"lc":1/);
    });
  }

  it("serialized lc constructors (a trail or queue replaying JSON) are read as the message they encode", () => {
    const serialized = JSON.parse(JSON.stringify({ messages: [new SystemMessage("Be brief."), new HumanMessage(QUESTION)] }));
    expect(serialized.messages[1].lc).toBe(1);
    expect(extractInput(serialized, DEFAULT_LIMITS)).toEqual({ role: "user", content: QUESTION });
  });

  it("a single message object, a tuple and a string as the whole input", () => {
    expect(extractInput({ role: "user", content: QUESTION }, DEFAULT_LIMITS)).toEqual({ role: "user", content: QUESTION });
    expect(extractInput([["human", QUESTION]], DEFAULT_LIMITS)).toEqual({ role: "user", content: QUESTION });
    expect(extractInput(QUESTION, DEFAULT_LIMITS)).toEqual({ content: QUESTION });
    // Look-alikes are data, not a conversation.
    expect(extractInput(["a", "b"], DEFAULT_LIMITS)).toEqual({ inputs: ["a", "b"] });
    expect(extractInput({ role: "admin", content: "x", extra: 1 }, DEFAULT_LIMITS)).toMatchObject({ content: "x" });
  });

  it("a bare chat model invoked with tuples and with plain objects", async () => {
    for (const input of [[["system", "Be brief."], ["user", QUESTION]], [{ role: "user", content: QUESTION }], QUESTION]) {
      const { trail, events } = memoryTrail({ level: "info" });
      await fakeModel().respond(new AIMessage("Yes.")).invoke(input as never, { callbacks: [trail.handler()] });
      await trail.flush();
      expect(ofType(events, "input")[0]!.data).toEqual({ role: "user", content: QUESTION });
    }
  });

  it("a Command resume after an interrupt is recorded as the resume value", async () => {
    const { trail, events } = memoryTrail({ level: "info" });
    const agent = createAgent({ model: fakeModel().respond(new AIMessage("ok")), tools: [], checkpointer: new MemorySaver() });
    const config = { callbacks: [trail.handler()], configurable: { thread_id: "t-1" } };
    await agent.invoke({ messages: [["user", QUESTION]] } as never, config);
    await agent.invoke(new Command({ resume: { approved: true } }) as never, config);
    await trail.flush();
    const inputs = ofType(events, "input").map((e) => e.data);
    expect(inputs[0]).toEqual({ role: "user", content: QUESTION });
    expect(inputs[1]).toMatchObject({ command: { resume: { approved: true } } });
  });
});

describe("content blocks with inline bytes: metadata and a hash, never the bytes", () => {
  const png = Buffer.alloc(3000, 7); // 3,000 bytes of "image"
  const b64 = png.toString("base64");
  const sha = createHash("sha256").update(png).digest("hex");
  const blocks: Array<[string, Record<string, unknown>]> = [
    ["LangChain v1 standard image (base64 data)", { type: "image", data: b64, mimeType: "image/png" }],
    ["v0.3 standard image (source_type base64)", { type: "image", source_type: "base64", data: b64, mime_type: "image/png" }],
    ["Anthropic image (source.data)", { type: "image", source: { type: "base64", media_type: "image/png", data: b64 } }],
    ["OpenAI image_url data URL", { type: "image_url", image_url: { url: `data:image/png;base64,${b64}`, detail: "low" } }],
    ["OpenAI input_audio", { type: "input_audio", input_audio: { data: b64, format: "wav" } }],
    ["OpenAI file", { type: "file", file: { filename: "scan.pdf", file_data: `data:application/pdf;base64,${b64}` } }],
    ["Responses input_image", { type: "input_image", image_url: `data:image/png;base64,${b64}` }],
  ];
  for (const [label, block] of blocks) {
    it(label, async () => {
      const { trail, events } = memoryTrail();
      const model = fakeModel().respond(new AIMessage("A grey square."));
      await createAgent({ model, tools: [] }).invoke({ messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, block] }] } as never, { callbacks: [trail.handler()] });
      await trail.flush();
      expectValidEvents(events);
      const wire = JSON.stringify(events);
      expect(wire).not.toContain(b64.slice(0, 64));
      const input = ofType(events, "input")[0]!.data as { content: unknown };
      expect(input.content).toEqual([{ type: "text", text: "What is this?" }, expect.objectContaining({ type: block.type, bytes: 3000, sha256: sha })]);
      // What the model was sent is recorded the same way.
      expect(JSON.stringify(ofType(events, "llm_start")[0]!.data)).toContain(sha);
    });
  }

  it("a URL that points elsewhere is kept; short text in a data field is not mistaken for bytes", async () => {
    const { trail, events } = memoryTrail();
    const url = "https://example.com/cat.png";
    await fakeModel()
      .respond(new AIMessage("A cat."))
      .invoke([new HumanMessage({ content: [{ type: "image_url", image_url: { url } }, { type: "file", data: "not base64!" }] as never })], { callbacks: [trail.handler()] });
    await trail.flush();
    const content = (ofType(events, "input")[0]!.data as { content: unknown[] }).content;
    expect(content[0]).toEqual({ type: "image_url", image_url: { url } });
    expect(content[1]).toEqual({ type: "file", data: "not base64!" });
  });
});
