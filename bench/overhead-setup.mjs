// Workloads and variants of bench/overhead.mjs, shared with its memory child
// (bench/overhead-child.mjs). Everything is offline: scripted models, local tools, and a loopback
// server (bench/overhead-sink.mjs) standing in for the Langfuse and LangSmith backends.
import { spawn } from "node:child_process";
import { get } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAgent, tool, AIMessage, AIMessageChunk, HumanMessage } from "langchain";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatGenerationChunk } from "@langchain/core/outputs";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import * as z from "zod";
import { createAuditTrail, jsonlSink } from "../dist/index.js";
import { NoopHandler, ScriptedModel, runOnce as oneToolRun } from "./fixture.mjs";

// --- Shapes ---------------------------------------------------------------------------------------

/** A deterministic ≈ 20 KB tool result: a JSON page of search records (names, emails, prices, text). */
function bigResult(page) {
  let seed = 1234567 + page * 7919;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const words = ["flight", "Paris", "window", "seat", "refundable", "economy", "premium", "connection", "Lyon", "baggage", "included", "night", "morning", "direct", "airline", "fare", "class", "gate"];
  const records = [];
  let size = 2;
  for (let i = 0; size < 20_000; i++) {
    const r = {
      id: `rec-${page}-${i}`,
      name: `Traveller ${Math.floor(rnd() * 1e6)}`,
      contact: `user${Math.floor(rnd() * 1e5)}@example.com`,
      price_eur: Math.round(rnd() * 90_000) / 100,
      depart: `2026-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}T0${Math.floor(rnd() * 9)}:30:00Z`,
      notes: Array.from({ length: 12 }, () => words[Math.floor(rnd() * words.length)]).join(" "),
    };
    const s = JSON.stringify(r);
    records.push(s);
    size += s.length + 1;
  }
  return `[${records.join(",")}]`;
}
const PAGES = Array.from({ length: 10 }, (_, i) => bigResult(i));

const fetchRecords = tool(async ({ page }) => PAGES[page % PAGES.length], {
  name: "fetch_records",
  description: "Fetch one page of booking records.",
  schema: z.object({ page: z.number() }),
});

/** Asks for `fetch_records` once per model turn until ten results are in, then answers. No history kept. */
const tenToolsModel = new ScriptedModel("scripted-ten-tools", (messages, call) => {
  const done = messages.filter((m) => m._getType() === "tool").length;
  return done >= 10
    ? new AIMessage({ content: "Here are the 10 pages of records you asked for.", usage_metadata: { input_tokens: 52_000, output_tokens: 12, total_tokens: 52_012 } })
    : new AIMessage({
        content: "",
        tool_calls: [{ id: `t${call}`, name: "fetch_records", args: { page: done }, type: "tool_call" }],
        usage_metadata: { input_tokens: 40 + done * 5200, output_tokens: 9, total_tokens: 49 + done * 5200 },
      });
});
const tenToolsAgent = createAgent({ model: tenToolsModel, tools: [fetchRecords] });

const TOKENS = Array.from({ length: 100 }, (_, i) => (i % 10 === 9 ? ` option ${i / 10 + 1}.` : ` word${i}`));

/**
 * A chat model built to stream (like a provider with `streaming: true`): `_generate` consumes its
 * own `_streamResponseChunks`, which reports each of its 100 chunks through `handleLLMNewToken`.
 */
class StreamingModel extends BaseChatModel {
  _llmType() {
    return "scripted-stream";
  }
  bindTools() {
    return this;
  }
  async *_streamResponseChunks(_messages, _options, runManager) {
    for (let i = 0; i < TOKENS.length; i++) {
      const text = TOKENS[i];
      const last = i === TOKENS.length - 1;
      const chunk = new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({ content: text, ...(last ? { usage_metadata: { input_tokens: 20, output_tokens: 100, total_tokens: 120 } } : {}) }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(text, { prompt: 0, completion: 0 }, undefined, undefined, undefined, { chunk });
    }
  }
  async _generate(messages, options, runManager) {
    let final;
    for await (const chunk of this._streamResponseChunks(messages, options, runManager)) final = final ? final.concat(chunk) : chunk;
    return { generations: [{ text: final.text, message: new AIMessage({ content: final.text, usage_metadata: final.message.usage_metadata }) }] };
  }
}
const streamAgent = createAgent({ model: new StreamingModel({}), tools: [fetchRecords] });

/** name → { label, run(callbacks, i) }. */
export const SHAPES = {
  "one-tool": { label: "one tool call", run: oneToolRun },
  "ten-tools-20k": {
    label: "10 tool calls, ≈ 20 KB results",
    run: (callbacks, i) => tenToolsAgent.invoke({ messages: [new HumanMessage("Fetch all 10 pages of bookings for jane@example.com.")] }, { callbacks, metadata: { session_id: `bench-${i % 50}` }, recursionLimit: 50 }),
  },
  "stream-100": {
    label: "streamed answer, 100 chunks",
    run: (callbacks, i) => streamAgent.invoke({ messages: [new HumanMessage("Describe ten options, briefly.")] }, { callbacks, metadata: { session_id: `bench-${i % 50}` } }),
  },
};
export const RESULT_BYTES = PAGES.map((p) => p.length);

// --- The loopback backend ----------------------------------------------------------------------

/** Starts bench/overhead-sink.mjs; resolves to { port, stats(), stop() }. */
export function startSink() {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./overhead-sink.mjs", import.meta.url))], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout.once("data", (d) => {
      const port = Number(String(d).trim());
      resolve({
        port,
        // A fresh connection (not fetch's pool, which the peers' keep-alive sockets share).
        stats: () =>
          new Promise((ok, fail) => {
            get({ host: "127.0.0.1", port, path: "/__stats", agent: false }, (res) => {
              let text = "";
              res.on("data", (d) => (text += d));
              res.on("end", () => ok(JSON.parse(text)));
            }).on("error", fail);
          }),
        stop: () => child.kill("SIGTERM"),
      });
    });
  });
}

// --- Variants -------------------------------------------------------------------------------------

export const VARIANTS = ["none", "noop", "ours", "ours-info", "ours-noredact", "langfuse", "langsmith"];

/**
 * Builds one variant: { callbacks, settle, flush, close }. `settle` waits for LangChain's queued
 * (background) callbacks, which is still handler work of the block; `flush` is the peer's export
 * (LangSmith's batch queue, Langfuse's span batch, our trail's flush); `close` shuts it down.
 */
export async function makeVariant(name, { port, dir }) {
  const settle = () => awaitAllCallbacks();
  const nothing = async () => {};
  switch (name) {
    case "none":
      return { callbacks: [], settle, flush: nothing, close: nothing };
    case "noop":
      return { callbacks: [new NoopHandler()], settle, flush: nothing, close: nothing };
    case "ours":
    case "ours-info":
    case "ours-noredact": {
      const extra = name === "ours-info" ? { level: "info" } : name === "ours-noredact" ? { redaction: false } : {};
      const trail = createAuditTrail({ sinks: [jsonlSink({ dir: join(dir, name) })], ...extra });
      return {
        callbacks: [trail.handler()],
        settle,
        flush: () => trail.flush(),
        close: () => trail.shutdown(),
        stats: () => trail.stats(),
      };
    }
    case "langfuse": {
      // Langfuse v5: its CallbackHandler makes OpenTelemetry spans; the LangfuseSpanProcessor on a
      // NodeTracerProvider batches them (BatchSpanProcessor, default settings) and exports OTLP/HTTP
      // JSON to <baseUrl>/api/public/otel/v1/traces. register() installs the provider and the
      // AsyncLocalStorage context manager globally, as the Langfuse docs' setup does.
      const { LangfuseSpanProcessor } = await import("@langfuse/otel");
      const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
      const { CallbackHandler } = await import("@langfuse/langchain");
      const processor = new LangfuseSpanProcessor({ publicKey: "pk-lf-bench", secretKey: "sk-lf-bench", baseUrl: `http://127.0.0.1:${port}` });
      const provider = new NodeTracerProvider({ spanProcessors: [processor] });
      provider.register();
      return {
        callbacks: [new CallbackHandler()],
        settle,
        flush: () => processor.forceFlush(),
        close: () => provider.shutdown(),
      };
    }
    case "langsmith": {
      // LangSmith: LangChainTracer posting to a Client (auto-batching, multipart ingestion) pointed at
      // the loopback server. Flushed with awaitPendingTraceBatches(), as LangSmith documents for
      // serverless and for the end of a script.
      const { Client } = await import("langsmith");
      const { LangChainTracer } = await import("@langchain/core/tracers/tracer_langchain");
      const client = new Client({ apiUrl: `http://127.0.0.1:${port}`, apiKey: "test" });
      return {
        callbacks: [new LangChainTracer({ client, projectName: "bench" })],
        settle,
        flush: () => client.awaitPendingTraceBatches(),
        close: () => client.awaitPendingTraceBatches(),
      };
    }
    default:
      throw new Error(`unknown variant ${name}`);
  }
}
