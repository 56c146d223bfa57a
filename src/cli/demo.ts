/**
 * `agent-audit demo`: a real LangChain v1 agent (`createAgent`) on a fake model, offline, recorded
 * by the handler into a JSONL trail, then read back from disk and printed as a timeline.
 *
 * The run is the seed guide's story: a user (who leaves an email address) books a flight to
 * Paris; the agent searches, tries to book, the payment API times out once, it retries, it answers.
 */
import { createAgent, tool, fakeModel, AIMessage, HumanMessage } from "langchain";
import * as z from "zod";
import { createAuditTrail } from "../capture/audit-trail.js";
import { jsonlSink } from "../sinks/jsonl.js";
import { sessionEvents } from "../store/jsonl.js";
import { uuidv7 } from "../events/ids.js";
import { plural } from "./format.js";
import { renderTimeline } from "./timeline.js";

export interface DemoOptions {
  dir: string;
  color?: boolean;
  out?: (line: string) => void;
}

export interface DemoResult {
  sessionId: string;
  dir: string;
  file: string | undefined;
  events: number;
}

const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, total_tokens: input + output });
const meta = { model_name: "fake-gpt-4o", finish_reason: "tool_calls" };

/** The agent's model: four scripted answers, as a real model would send them. */
function scriptedModel() {
  return fakeModel()
    .respond(
      new AIMessage({
        content: "The user wants to fly to Paris. I'll search for flights first.",
        tool_calls: [{ id: "call_search", name: "search_flights", args: { destination: "Paris", departure_date: "2026-12-01" }, type: "tool_call" }],
        usage_metadata: usage(182, 31),
        response_metadata: meta,
      }),
    )
    .respond(
      new AIMessage({
        content: "AF1234 is the cheapest option. Booking it.",
        tool_calls: [{ id: "call_book_1", name: "book_flight", args: { flight_id: "AF1234", passenger_email: "jane.doe@example.com" }, type: "tool_call" }],
        usage_metadata: usage(268, 38),
        response_metadata: meta,
      }),
    )
    .respond(
      new AIMessage({
        content: "The payment API timed out. Retrying the booking once.",
        tool_calls: [{ id: "call_book_2", name: "book_flight", args: { flight_id: "AF1234", passenger_email: "jane.doe@example.com" }, type: "tool_call" }],
        usage_metadata: usage(341, 36),
        response_metadata: meta,
      }),
    )
    .respond(
      new AIMessage({
        content: "Booked AF1234 to Paris on 2026-12-01 for €189. Your confirmation is BK-7781; a copy went to jane.doe@example.com.",
        usage_metadata: usage(402, 41),
        response_metadata: { ...meta, finish_reason: "stop" },
      }),
    );
}

function demoTools() {
  const searchFlights = tool(
    async ({ destination, departure_date }) =>
      JSON.stringify([
        { flight_id: "AF1234", to: destination, date: departure_date, price_eur: 189 },
        { flight_id: "LH0456", to: destination, date: departure_date, price_eur: 224 },
      ]),
    {
      name: "search_flights",
      description: "Search flights to a destination on a date.",
      schema: z.object({ destination: z.string(), departure_date: z.string() }),
    },
  );
  let attempts = 0;
  const bookFlight = tool(
    async ({ flight_id }) => {
      attempts++;
      if (attempts === 1) {
        const err = new Error("Payment API timeout after 5000ms");
        err.name = "PaymentTimeoutError";
        throw err;
      }
      return JSON.stringify({ status: "confirmed", flight_id, confirmation: "BK-7781" });
    },
    {
      name: "book_flight",
      description: "Book a flight for a passenger.",
      schema: z.object({ flight_id: z.string(), passenger_email: z.string() }),
    },
  );
  return [searchFlights, bookFlight];
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? ((line: string) => console.log(line));
  const sink = jsonlSink({ dir: options.dir });
  const sessionId = `sess_demo_${uuidv7().slice(-12)}`;
  const trail = createAuditTrail({ sinks: [sink], context: { tags: ["demo"] } });
  const agent = createAgent({ model: scriptedModel(), tools: demoTools(), name: "travel_agent" });

  await agent.invoke(
    { messages: [new HumanMessage("Book me the cheapest flight to Paris on December 1st. My email is jane.doe@example.com.")] },
    { callbacks: [trail.handler({ userId: "user_456" })], metadata: { session_id: sessionId, source: "web_chat" } },
  );
  await trail.shutdown();

  // Read the session back from disk: what is printed is what was recorded.
  const events = await sessionEvents(sink.dir, sessionId);
  for (const line of renderTimeline(events, { color: options.color })) out(line);
  out("");
  out(`${plural(events.length, "event")} recorded to ${sink.currentFile ?? sink.dir}`);
  out(`Next: agent-audit show ${sessionId} --dir ${options.dir}   ·   agent-audit verify --dir ${options.dir}   ·   agent-audit serve --dir ${options.dir}`);
  return { sessionId, dir: sink.dir, file: sink.currentFile, events: events.length };
}
