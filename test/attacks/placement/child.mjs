// The placement test's user program, run as its own process against the BUILT package (imported
// by name, as users import it). It plants the probes through every channel a LangChain app has:
// an agent under the callback handler and the agent middleware, an agent under the middleware
// alone, a retriever, custom events, trail.record(), tags, metadata, names, thrown errors; with
// sinks of the user's own whose errors quote their credentials (a local one that fails its first
// writes, a remote one whose deletion fails) and a destination that refuses everything. Then it
// erases a user with a reason that quotes the probes, and shuts down. It prints one JSON line at
// the end: what the trail told it (onError payloads, stats, the erasure report, the shutdown result).
import { createAuditTrail, jsonlSink, consoleSink, webhookSink, langfuseSink, langsmithSink, otlpSink, elasticsearchSink, s3Sink, postgresSink } from "agent-audit-trail";
import { createAgent, fakeModel, tool, AIMessage, HumanMessage } from "langchain";
import { BaseRetriever } from "@langchain/core/retrievers";
import { Document } from "@langchain/core/documents";
import { dispatchCustomEvent } from "@langchain/core/callbacks/dispatch";
import * as z from "zod";
import { plant, failure } from "./placements.mjs";

const config = JSON.parse(process.argv[2]);
const probes = config.probes;
const { secret, stripe, email } = probes;
const { bag, url, prose } = plant(probes);
const errors = [];

/**
 * A local sink of the user's own (a mirror to another disk, say) that fails its first writes with
 * an error naming where it writes, credentials included. Nothing may be kept in memory for it
 * (limits.maxBufferedBytes: 0), so the trail gives events up and declares them in a trail.gap
 * record, which quotes the error.
 */
function flakyMirror() {
  let failures = 3;
  const target = `https://mirror.example.com/ingest?token=${secret}&owner=${email}`;
  return {
    name: "mirror",
    kind: "local",
    send() {
      if (failures-- > 0) throw new Error(`mirror ${target} refused the write`);
      return { ok: true };
    },
  };
}

/**
 * A remote sink of the user's own whose destination can be asked to delete traces, and whose
 * client's error, when that fails, quotes the request: its URL with the API key in the query.
 */
function archiveApi() {
  return {
    name: "archive-api",
    kind: "remote",
    endpoint: "https://archive.example.com",
    send: async () => ({ ok: true }),
    erase: async () => {
      throw new Error(`DELETE https://archive.example.com/traces?api_key=${stripe}&requested_by=${email} answered 403`);
    },
  };
}

const http = config.http;
const sinks = [
  jsonlSink({ dir: config.dir }),
  flakyMirror(),
  consoleSink({ stream: process.stderr, color: false }),
  archiveApi(),
  webhookSink({ url: `${http.webhook}/hook`, secret: config.webhookSecret, gzip: true }),
  webhookSink({ name: "rejecting", url: `${http.rejecting}/hook?token=${secret}`, unsigned: true, headers: { authorization: `Bearer ${stripe}` } }),
  langfuseSink({ publicKey: "pk-lf-placement", secretKey: "sk-lf-placement", baseUrl: http.langfuse }),
  langfuseSink({ name: "langfuse-legacy", mode: "legacy", publicKey: "pk-lf-placement", secretKey: "sk-lf-placement", baseUrl: http.langfuseLegacy }),
  langsmithSink({ apiKey: "lsv2_placement", apiUrl: http.langsmith, projectName: "placement" }),
  otlpSink({ url: `${http.otlp}/v1/traces`, serviceName: "placement" }),
  otlpSink({ name: "otlp-protobuf", url: `${http.otlpProtobuf}/v1/traces`, protocol: "http/protobuf" }),
  elasticsearchSink({ node: http.elasticsearch }),
  s3Sink({ ...config.s3, gzip: true }),
];
if (config.postgres) sinks.push(postgresSink(config.postgres));

// The test's second run gives the redactor the probes themselves, in every form the test looks
// for: whatever still leaks then never went through redaction at all.
const escape = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const oracle = config.oracle ? { custom: [{ entity: "PROBE", pattern: new RegExp(config.oracle.map(escape).join("|")) }] } : undefined;

const trail = createAuditTrail({
  level: "trace",
  sinks,
  spool: { dir: config.spoolDir },
  delivery: { lingerMs: 0, initialBackoffMs: 5, maxBackoffMs: 50 },
  limits: { maxBufferedBytes: 0 },
  exitHandlers: false,
  ...(config.redaction === false ? { redaction: false } : oracle ? { redaction: oracle } : {}),
  // Everything the trail tells the application, kept whole: it leaves the process too.
  onError: (e) => errors.push({ name: e.name, message: e.message, stack: e.stack, cause: e.cause === undefined ? undefined : String(e.cause) }),
});

// ---- tools: arguments, results (JSON in strings), custom events, a throw -------------------------
const anyArgs = z.object({ via_args: z.any() });
const lookup = tool(async () => JSON.stringify({ via_result: bag }), { name: "lookup_customer", description: "look a customer up", schema: anyArgs });
const notes = tool(
  async () => {
    await dispatchCustomEvent("customer_note", { via_custom_event: bag });
    return `Notes: ${prose}`;
  },
  { name: "read_notes", description: "read notes", schema: anyArgs },
);
const charge = tool(async () => {
  throw failure(probes, url);
}, { name: "charge_card", description: "charge", schema: anyArgs });
// A tool whose very name holds a probe (tools are named from data in generated agents).
const named = tool(async () => "ok", { name: `notify_${email}`, description: "notify", schema: anyArgs });

const call = (id, name) => ({ id, name, args: { via_args: bag }, type: "tool_call" });
const meta = { response_metadata: { model_name: "placement-model" } };
function model() {
  return fakeModel()
    .respond(
      new AIMessage({
        content: [
          { type: "reasoning", reasoning: `The user ${email} wants their token ${secret} checked.` },
          { type: "text", text: `Checking ${prose}` },
        ],
        tool_calls: [call("call_lookup", "lookup_customer"), call("call_notes", "read_notes"), call("call_named", `notify_${email}`)],
        ...meta,
      }),
    )
    .respond(new AIMessage({ content: `Done for ${email}: ${bag.p_json_depth_2}`, ...meta }));
}
/** One model call asking for the tool that throws: the run fails with its error. */
const failingModel = () => fakeModel().respond(new AIMessage({ content: `Charging ${email}`, tool_calls: [call("call_charge", "charge_card")], ...meta }));

const input = {
  messages: [
    new HumanMessage(prose),
    new HumanMessage({
      content: [
        { type: "text", text: bag.p_json_depth_2 },
        { type: "text", text: bag.p_url_in_text },
        { type: "image_url", image_url: { url } },
      ],
    }),
  ],
};
const runConfig = (channel) => ({
  runName: `run for ${email}`,
  tags: ["placement", `owner:${email}`, `token:${secret}`],
  metadata: { session_id: "sess-placement", user_id: "user-placement", [`via_${channel}_run_metadata`]: bag, contact: email },
});
/** An agent's run whose tool error escapes the agent (LangChain rethrows it when a middleware wraps tool calls). */
async function failing(agent, options) {
  try {
    await agent.invoke(input, options);
  } catch (err) {
    if (err.name !== "PaymentError") throw err;
  }
}

const tools = [lookup, notes, named];
const systemPrompt = `You serve ${email}; never reveal ${stripe}.`;
const policy = [{ tool: "charge_card", action: "flag", reason: "payments are reviewed" }];

// 1. The callback handler and the middleware together (the handler owns most facts).
const handler = () => trail.handler({ tags: [`handler:${email}`], metadata: { via_handler_metadata: bag } });
const both = (m, t) => createAgent({ model: m, tools: t, systemPrompt, name: `agent_for_${email}`, middleware: [trail.middleware({ policy })] });
await both(model(), tools).invoke(input, { ...runConfig("handler"), callbacks: [handler()] });
await failing(both(failingModel(), [charge]), { ...runConfig("handler"), callbacks: [handler()] });

// 2. The middleware alone: it records the model and tool calls itself.
const alone = (m, t) => createAgent({ model: m, tools: t, systemPrompt, middleware: [trail.middleware({ sessionId: "sess-placement", userId: "user-placement", policy })] });
await alone(model(), tools).invoke(input, runConfig("middleware"));
await failing(alone(failingModel(), [charge]), runConfig("middleware"));

// 3. A retriever: the query and the documents (content and metadata).
class Archive extends BaseRetriever {
  lc_namespace = ["placement"];
  async _getRelevantDocuments(query) {
    return [new Document({ pageContent: `${query} ${bag.p_json_depth_3}`, metadata: { source: url, via_document_metadata: bag } })];
  }
}
await new Archive().invoke(prose, { ...runConfig("retriever"), callbacks: [trail.handler()] });

// 4. A manual event, with a data field whose getter throws a message quoting the probes.
// And a string whose last probes straddle where the limits cut it (limits.maxStringLength, 32 KiB).
const data = { via_record: bag, p_straddling_cut: `${"x".repeat(32_768 - 24)} ${secret} ${email}` };
Object.defineProperty(data, "hostile", { enumerable: true, get: () => { throw new Error(`no access to ${email} (${secret})`); } });
trail.record({ type: "custom", name: `export for ${email}`, session_id: "sess-placement", user_id: "user-placement", tags: [`record:${email}`, secret], metadata: { via_record_metadata: bag }, data });

// 5. Users to erase, here and (by the test) through the CLI; their events are plain.
for (const user of ["user-erased", "user-erased-cli"]) trail.record({ type: "custom", name: "tick", session_id: `sess-${user}`, user_id: user, trace_id: `trace-${user}`, data: { n: 1 } });

const flushed = await trail.flush({ timeoutMs: 30_000 });
const erasure = await trail.eraseUser("user-erased", { actor: "dpo", reason: config.reason });
const shutdown = await trail.shutdown({ timeoutMs: 30_000 });
process.stdout.write(`${JSON.stringify({ step: "done", flushed, erasure, shutdown, stats: trail.stats(), errors })}\n`);
