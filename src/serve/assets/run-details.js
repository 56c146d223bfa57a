// One run, opened: its facts with units, the state a graph node changed, its error with the stack
// as real lines, then what it was given and what it returned as JSON trees.
import { copyButton, el } from "./dom.js";
import { jsonTree } from "./json-tree.js";
import { stateDiff } from "./session-model.js";
import { cost, duration, exactCost, tokens, when } from "./units.js";

export function runDetails(run) {
  const box = el("div", { class: "run-details" });
  box.append(facts(run));
  if (run.node && run.end) box.append(stateChanges(run));
  const error = run.end?.data?.error;
  if (error) box.append(errorBlock(error));
  if (run.start) box.append(section("Input", jsonTree(withoutEcho(run.start.data, ["node", "step"]), { label: "input" })));
  if (run.end) box.append(section(run.error ? "Error event" : "Output", jsonTree(withoutEcho(run.end.data, ["changed"]), { label: "output" })));
  for (const n of run.notes.filter((n) => n.type === "policy" || n.type === "custom")) box.append(section(n.type === "policy" ? `Policy: ${n.data?.action ?? ""}` : `Note: ${n.name ?? ""}`, jsonTree(n.data ?? {}, { label: n.type })));
  const redactions = [...(run.start?.redactions ?? []), ...(run.end?.redactions ?? [])];
  if (redactions.length) box.append(section("Redacted", el("ul", { class: "redactions" }, redactions.map((r) => el("li", {}, el("code", {}, r.path), ` — ${r.entity}${r.count > 1 ? ` ×${r.count}` : ""}`)))));
  const truncated = [...(run.start?.truncated ?? []), ...(run.end?.truncated ?? [])];
  if (truncated.length) box.append(section("Cut to the trail's limits", el("ul", {}, truncated.map((p) => el("li", {}, el("code", {}, p))))));
  const raw = [run.start, run.end, ...run.notes].filter(Boolean);
  box.append(el("p", { class: "raw" }, copyButton(() => JSON.stringify(raw, null, 2), "the run's events", `Copy the run's ${raw.length} events as JSON`)));
  return box;
}

function withoutEcho(data, keys) {
  const out = { ...(data ?? {}) };
  for (const k of keys) delete out[k];
  delete out.error; // shown above, with its stack
  return out;
}

function section(title, body) {
  return el("section", { class: "detail-section" }, el("h3", {}, title), body);
}

function facts(run) {
  const dl = el("dl", { class: "facts" });
  const add = (k, v, title) => v !== undefined && v !== "" && dl.append(el("div", {}, el("dt", {}, k), el("dd", title ? { title } : {}, v)));
  add("Kind", run.node ? `graph node${run.node.step !== undefined ? ` (step ${run.node.step})` : ""}` : run.kind);
  add("Status", run.open ? "no end recorded" : run.end?.status ?? "ok");
  add("Duration", run.open ? undefined : duration(run.t1 - run.t0));
  add("Started", run.start ? `${when(run.start.ts)} UTC` : undefined);
  if (run.kind === "llm") {
    add("Model", run.model);
    add("Tokens", run.usage ? tokens(run.usage) : undefined);
    add("Cost", run.cost !== undefined ? cost(run.cost) : run.end?.data?.cost_source === "unknown" ? "unknown (model not in the price table)" : undefined, exactCost(run.cost));
    add("Finish", run.end?.data?.finish_reason);
    if (run.end?.data?.time_to_first_token_ms !== undefined) add("First token", duration(run.end.data.time_to_first_token_ms));
  }
  dl.append(el("div", {}, el("dt", {}, "Run id"), el("dd", {}, el("code", {}, run.id), " ", copyButton(() => run.id, "run id"))));
  return dl;
}

function errorBlock(error) {
  const e = typeof error === "object" && error !== null ? error : { message: String(error) };
  const head = [e.type ?? e.name, e.message].filter(Boolean).join(": ");
  const body = el("div", { class: "error-block", role: "group", "aria-label": "Error" }, el("p", { class: "error-message" }, head || "error"));
  if (typeof e.stack === "string") body.append(el("pre", { class: "stack" }, e.stack), copyButton(() => e.stack, "stack trace"));
  return section("Error", body);
}

const CELL_LIMIT = 600;

function shortJson(v) {
  if (v === undefined) return "—";
  // Strings quoted, so "1" and 1 differ; a multi-line one as its lines.
  const s = typeof v === "string" && v.includes("\n") ? v : JSON.stringify(v, null, 2);
  return s.length > CELL_LIMIT ? `${s.slice(0, CELL_LIMIT)}… (${s.length.toLocaleString("en-US")} chars)` : s;
}

function stateChanges(run) {
  const rows = stateDiff(run.start?.data?.inputs, run.end?.data?.outputs, run.end?.data?.changed);
  if (!rows.length) return section("State changes", el("p", {}, "This node returned no state update."));
  const table = el("table", { class: "state-diff" }, el("caption", { class: "offscreen" }, `State changed by node ${run.node.node}`), el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Key"), el("th", { scope: "col" }, "Change"), el("th", { scope: "col" }, "Before"), el("th", { scope: "col" }, "After"))));
  const body = el("tbody");
  for (const r of rows) {
    const after = r.added !== undefined ? el("div", {}, el("span", { class: "diff-note" }, `+${r.added.length} new item${r.added.length === 1 ? "" : "s"}`), el("pre", { class: "diff-val" }, shortJson(r.added))) : el("pre", { class: "diff-val" }, shortJson(r.after));
    body.append(el("tr", { class: `diff-${r.kind}` }, el("th", { scope: "row" }, el("code", {}, r.path)), el("td", { "data-label": "Change" }, r.kind), el("td", { "data-label": "Before" }, el("pre", { class: "diff-val" }, shortJson(r.before))), el("td", { "data-label": "After" }, r.kind === "removed" ? "—" : after)));
  }
  table.append(body);
  return section("State changes", table);
}
