// The viewer's page logic that needs no browser: units, pairing events into runs, the conversation,
// a graph node's state diff. Imported from the shipped assets (plain ES modules).
import { describe, expect, it } from "vitest";

// The assets are plain JavaScript, without types: what they return is `any` here.
const asset = (name: string): Promise<any> => import(new URL(`../../src/serve/assets/${name}`, import.meta.url).href);
const units = await asset("units.js");
const model = await asset("session-model.js");

let seq = 0;
const ev = (type: string, extra: Record<string, unknown> = {}) => ({ id: `e${++seq}`, ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(), type, level: "info", data: {}, ...extra });

describe("units", () => {
  it("costs: sub-cent amounts one way everywhere, exact figure kept for the tooltip", () => {
    const shown = [0, 0.0000001, 0.0004, 0.000999, 0.001, 0.0033, 0.0129, 0.999, 1, 1234.5].map(units.cost);
    expect(shown).toEqual(["$0.00", "<$0.001", "<$0.001", "<$0.001", "$0.001", "$0.003", "$0.013", "$0.999", "$1.00", "$1,234.50"]);
    expect([undefined, null, NaN].map(units.cost)).toEqual(["—", "—", "—"]);
    expect(units.exactCost(0.000412)).toBe("$0.000412");
  });

  it("durations carry their unit", () => {
    expect([0, 0.42, 37.4, 999.4, 1250, 59_999, 138_000].map(units.duration)).toEqual(["0 ms", "0.42 ms", "37 ms", "999 ms", "1.25 s", "1.0 min", "2.3 min"]);
    expect(units.duration(undefined)).toBe("—");
  });

  it("tokens with the split when known", () => {
    expect(units.tokens({ input_tokens: 1193, output_tokens: 146, total_tokens: 1339 })).toBe("1,339 tokens (1,193 in / 146 out)");
    expect(units.tokens({ total_tokens: 12 })).toBe("12 tokens");
  });
});

describe("runs and conversation", () => {
  it("pairs starts and ends into a tree in start order; an end without its start still has a bar", () => {
    const events = [
      ev("chain_start", { run_id: "root", name: "agent" }),
      ev("tool_start", { run_id: "t2", parent_run_id: "root", name: "late" }),
      ev("llm_end", { run_id: "m1", parent_run_id: "root", name: "Client", duration_ms: 5, status: "ok", data: { model: "gpt-x", usage: { total_tokens: 9 }, cost: 0.0001 } }),
      ev("tool_end", { run_id: "t2", parent_run_id: "root", status: "error", duration_ms: 1 }),
      ev("chain_end", { run_id: "root", status: "ok", duration_ms: 10 }),
    ];
    const { flat, runs } = model.buildRuns(events);
    expect(flat.map((r: any) => [r.id, r.depth])).toEqual([["root", 0], ["m1", 1], ["t2", 1]]); // m1 started 5 ms before its end, before t2
    expect(runs.get("m1")).toMatchObject({ model: "gpt-x", cost: 0.0001, open: false });
    expect(runs.get("t2").error).toBe(true);
  });

  it("spans a session longer than a call's argument list", () => {
    const many = Array.from({ length: 200_000 }, (_, i) => ({ id: `m${i}`, ts: new Date(Date.UTC(2026, 0, 1) + i).toISOString(), type: "custom", data: {} }));
    const { t0, t1 } = model.buildRuns(many);
    expect(t1 - t0).toBe(199_999);
  });

  it("attaches reasoning to its answer, says an error once where it happened, and the final answer once", () => {
    const events = [
      ev("input", { trace_id: "r", data: { content: "hi" } }),
      ev("llm_end", { run_id: "m1", trace_id: "r", data: { output: { content: "Let me look.", tool_calls: [{ name: "search", args: {} }] } } }),
      ev("reasoning", { parent_run_id: "m1", trace_id: "r", data: { reasoning: "hidden\nthoughts", thought: "Let me look." } }),
      ev("tool_error", { run_id: "t1", trace_id: "r", data: { tool: "search", error: { message: "boom", stack: "Error: boom\n  at x" } } }),
      ev("chain_error", { run_id: "r", trace_id: "r", data: { propagated: true, error: { message: "boom" } } }),
      ev("llm_end", { run_id: "m2", trace_id: "r", data: { output: { content: "Done." } } }),
      ev("output", { trace_id: "r", status: "ok", data: { content: "Done." } }),
      ev("output", { trace_id: "s", status: "ok", data: { content: [{ type: "text", text: "Summary" }] } }),
    ];
    const conv = model.conversation(events);
    expect(conv.map((c: any) => c.kind)).toEqual(["user", "assistant", "error", "assistant", "assistant"]);
    expect(conv[1].reasoning.text).toBe("hidden\nthoughts");
    expect(conv[2].error.stack).toContain("\n");
    expect(conv[4]).toMatchObject({ final: true, text: "Summary" });
  });
});

describe("state diff of a graph node", () => {
  it("names what was added, changed and removed, and what an array update brought that the state did not hold", () => {
    const before = { status: "planned", plan: { to: "Paris", budget: 300, class: "eco" }, notes: ["a"], same: 1 };
    const update = { status: "booked", attempts: 1, plan: { to: "Paris", budget: 250, seat: "12A" }, notes: ["b"], same: 1 };
    expect(model.stateDiff(before, update, ["status", "attempts", "plan", "notes", "same"])).toEqual([
      { path: "status", kind: "changed", before: "planned", after: "booked" },
      { path: "attempts", kind: "added", after: 1 },
      { path: "plan.budget", kind: "changed", before: 300, after: 250 },
      { path: "plan.class", kind: "removed", before: "eco" },
      { path: "plan.seat", kind: "added", after: "12A" },
      { path: "notes", kind: "changed", before: ["a"], after: ["b"], added: ["b"] },
      { path: "same", kind: "unchanged", before: 1, after: 1 },
    ]);
  });

  it("without a `changed` list uses the update's keys; a missing or non-object state counts as empty", () => {
    expect(model.stateDiff(undefined, { x: 1 })).toEqual([{ path: "x", kind: "added", after: 1 }]);
    expect(model.stateDiff("not state", { x: [1, 2] }, undefined)).toEqual([{ path: "x", kind: "added", after: [1, 2] }]);
    expect(model.stateDiff({ x: 1 }, null, undefined)).toEqual([]);
  });
});
