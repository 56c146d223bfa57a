// Inputs for bench/redaction.mjs that are not labeled corpora: clean LLM events and pathological
// strings. Seeded, so every run measures the same inputs.

// Mulberry32, the corpora's seeded generator.
import { mulberry32 as rng } from "../test/fixtures/agent-corpus/core.ts";

/** A flat (non-rope) copy of a string: what a string read from a socket or a file is. */
export const flat = (s) => Buffer.from(s, "utf8").toString("utf8");

const WORDS = (
  "the a an our this that these those your my team project report summary draft plan meeting agenda notes update schedule review " +
  "budget quarter proposal feedback customer product feature release roadmap design document section chapter slide deck table chart " +
  "please could you can would help me write explain compare outline rewrite shorten improve check list suggest translate summarize " +
  "about for with from into over under before after during between without because while and or but so then also only just still " +
  "new old next last first final short long clear simple main key open current weekly monthly internal public careful friendly formal " +
  "idea question answer example reason option risk goal step task point issue topic result change version style tone audience"
).split(" ");
const SYSTEM_PROMPTS = [
  (topic) => `You are a helpful assistant for the ${topic} team. Answer briefly, say when you are unsure, and cite the documents you used.`,
  (topic) => `You help colleagues with ${topic} questions. Keep answers short and practical, and ask a question back when the request is unclear.`,
  (topic) => `You are an internal ${topic} assistant. Use the tools when they help, explain your reasoning in plain words, and never guess facts.`,
];
const TOPICS = ["marketing", "support", "finance", "design", "engineering", "sales", "research", "operations", "legal", "onboarding"];
const MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"];

function uuid(r) {
  const hex = () => Math.floor(r.next() * 16).toString(16);
  let s = "";
  for (let i = 0; i < 32; i++) s += i === 12 ? "4" : i === 16 ? "89ab"[Math.floor(r.next() * 4)] : hex();
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** Ordinary prose of about `chars` characters: words from a fixed list, no names, no numbers. */
function prose(r, chars) {
  const sentences = [];
  let len = 0;
  while (len < chars) {
    const n = 6 + Math.floor(r.next() * 10);
    const words = Array.from({ length: n }, () => r.pick(WORDS));
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    const s = words.join(" ") + (r.next() < 0.25 ? "?" : ".");
    sentences.push(s);
    len += s.length + 1;
  }
  return sentences.join(" ");
}

/**
 * `n` distinct llm_start events with nothing to redact, as the callback handler emits them: a run of
 * `perRun` events shares its tags array and metadata object (LangChain hands the same objects to
 * every callback of a run), every event has its own ids and its own user message.
 */
export function cleanEvents(n = 2000, perRun = 20, seed = 7) {
  const r = rng(seed);
  const events = [];
  let tags, metadata, traceId, system, model;
  for (let i = 0; i < n; i++) {
    if (i % perRun === 0) {
      model = r.pick(MODELS);
      tags = ["agent"];
      metadata = { ls_provider: "openai", ls_model_name: model, thread_id: uuid(r) };
      traceId = uuid(r);
      system = flat(r.pick(SYSTEM_PROMPTS)(r.pick(TOPICS)));
    }
    events.push({
      type: "llm_start",
      level: "debug",
      trace_id: traceId,
      run_id: uuid(r),
      parent_run_id: traceId,
      name: "ChatOpenAI",
      tags,
      metadata,
      data: {
        provider: "openai",
        model,
        params: { model, temperature: 0.2 },
        messages: [
          { role: "system", content: system },
          { role: "user", content: flat(prose(r, 140)) },
        ],
      },
    });
  }
  return events;
}

/**
 * Pathological inputs: one short unit repeated. Each hits a detector's anchor at every position
 * (e-mail `@`, digit runs, dotted names, `key=` pairs, JWT headers, PEM armour, escapes), which is
 * where a backtracking or rescanning detector turns quadratic.
 */
export const PATHOLOGICAL_UNITS = ["@", "1", "a.", "a@", "a@a.", "=", "\\", "-----BEGIN ", "key=", "eyJ"];

export const repeatTo = (unit, chars) => flat(unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars));
