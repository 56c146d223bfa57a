/**
 * A realistic trail for the viewer's browser tests, recorded by the real library into a JSONL
 * directory: an agent (handler + middleware) that reasons, calls a tool, hits a tool error with a
 * stack, is refused a tool call by policy and answers; a LangGraph StateGraph whose nodes change
 * state; and, recorded first so they are older, a session of 1,200 events and 60 one-line sessions
 * so that both lists span several pages of the API; and a note whose content is markup.
 */
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { AIMessage, createAgent, fakeModel, HumanMessage, tool } from "langchain";
import * as z from "zod";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { failingTool, searchTool, usage } from "../capture/fixtures.js";

export const SESSION = "sess_viewer_trip";
export const BIG_SESSION = "sess_viewer_big";
export const SMALL_SESSIONS = 60;
export const BIG_RUNS = 600;
export const USER = "user_ada";

const meta = { model_name: "gpt-4o-mini" };

/** The first invocation: reasons, searches, is refused an e-mail by policy, answers. */
function plannerModel() {
  return fakeModel()
    .respond(
      new AIMessage({
        content: "I'll look for flights first.",
        additional_kwargs: { reasoning_content: "The user wants the cheapest flight.\nSearch first, then compare prices." },
        tool_calls: [{ id: "call_search", name: "search_flights", args: { to: "Paris" }, type: "tool_call" }],
        usage_metadata: usage(20_000, 500),
        response_metadata: meta,
      }),
    )
    .respond(new AIMessage({ content: "Telling the travel desk.", tool_calls: [{ id: "call_mail", name: "send_email", args: { to: "desk@outside.example", body: "3 flights found" }, type: "tool_call" }], usage_metadata: usage(1_300, 40), response_metadata: meta }))
    .respond(new AIMessage({ content: "There are 3 flights to Paris.\nThe cheapest is AF1234 at 189 EUR.", usage_metadata: usage(1_400, 30), response_metadata: meta }));
}

/** The second invocation: books, and the payment API fails (the run ends in that error). */
function bookerModel() {
  return fakeModel().respond(new AIMessage({ content: "Booking AF1234.", tool_calls: [{ id: "call_book", name: "book_flight", args: { flight: "AF1234" }, type: "tool_call" }], usage_metadata: usage(1_200, 40), response_metadata: meta }));
}

const sendEmail = tool(async () => "sent", { name: "send_email", description: "send an e-mail", schema: z.object({ to: z.string(), body: z.string() }) });

const Trip = Annotation.Root({
  question: Annotation<string>(),
  status: Annotation<string | undefined>(),
  attempts: Annotation<number | undefined>(),
  plan: Annotation<Record<string, unknown> | undefined>(),
  notes: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});

function tripGraph() {
  return new StateGraph(Trip)
    .addNode("plan_trip", async () => ({ status: "planned", plan: { destination: "Paris", budget_eur: 300 }, notes: ["economy only"] }))
    .addNode("confirm", async () => ({ status: "booked", attempts: 1, plan: { destination: "Paris", budget_eur: 250, seat: "12A" }, notes: ["seat 12A"] }))
    .addEdge(START, "plan_trip")
    .addEdge("plan_trip", "confirm")
    .addEdge("confirm", END)
    .compile();
}

/** Records the whole trail into `dir`; returns nothing the tests could not read back through the viewer. */
export async function recordViewerTrail(dir: string): Promise<void> {
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], level: "debug" });
  for (let i = 0; i < SMALL_SESSIONS; i++) trail.record({ type: "input", session_id: `sess_viewer_small_${String(i).padStart(2, "0")}`, user_id: `user_${i % 7}`, data: { content: `question number ${i}`, role: "user" } });
  for (let i = 0; i < BIG_RUNS; i++) {
    const run_id = `big-run-${String(i).padStart(4, "0")}`;
    trail.record({ type: "tool_start", session_id: BIG_SESSION, run_id, name: "lookup", data: { tool: "lookup", args: { i } } });
    trail.record({ type: "tool_end", session_id: BIG_SESSION, run_id, name: "lookup", status: "ok", duration_ms: 1 + (i % 5), data: { tool: "lookup", result: `row ${i}` } });
  }
  await trail.flush();

  const middleware = () => trail.middleware({ sessionId: SESSION, userId: USER, policy: [{ tool: "send_email", action: "block" as const, reason: "external recipient", name: "no-external-email" }] });
  const handler = () => trail.handler({ sessionId: SESSION, userId: USER });
  const planner = createAgent({ model: plannerModel(), tools: [searchTool(), sendEmail], middleware: [middleware()] });
  await planner.invoke({ messages: [new HumanMessage("Find me the cheapest flight to Paris.\nEconomy is fine.")] }, { callbacks: [handler()] });
  const booker = createAgent({ model: bookerModel(), tools: [failingTool("Payment API timeout after 5000ms")], middleware: [middleware()] });
  await booker.invoke({ messages: [new HumanMessage("Book it.")] }, { callbacks: [handler()] }).then(
    () => {
      throw new Error("the booking was meant to fail");
    },
    (err: Error) => {
      if (err.name !== "PaymentTimeoutError") throw err;
    },
  );
  await tripGraph().invoke({ question: "Paris in December" }, { callbacks: [trail.handler({ sessionId: SESSION, userId: USER })] });
  // Trail content is untrusted: markup in it must reach the page as text.
  trail.record({ type: "custom", session_id: SESSION, user_id: USER, name: "<b>reviewer note</b>", data: { html: '<img src="x" id="injected">' } });
  await trail.shutdown();
}
