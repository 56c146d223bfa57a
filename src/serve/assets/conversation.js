// The session as a conversation: one bubble per message, tool call, tool result, error, policy
// decision and graph node, each linking to its run in the waterfall.
import { el } from "./dom.js";
import { jsonTree } from "./json-tree.js";
import { cost, duration, exactCost, tokens } from "./units.js";

const LABEL = { user: "User", assistant: "Assistant", "tool-call": "Tool call", "tool-result": "Tool result", error: "Error", policy: "Policy", node: "Graph node", reasoning: "Reasoning", note: "Note" };
const TEXT_LIMIT = 2000; // longer texts open on demand

export function bubble(entry, runNames) {
  const li = el("li", { class: `msg ${entry.kind}${entry.kind === "policy" ? ` ${entry.action ?? ""}` : ""}`, "data-run-id": entry.run ?? "" });
  const head = el("div", { class: "msg-head" }, el("span", { class: "role" }, headline(entry)));
  const meta = metaText(entry);
  if (meta) head.append(el("span", { class: "meta", title: entry.cost !== undefined ? exactCost(entry.cost) : undefined }, meta));
  if (entry.run && runNames.has(entry.run)) head.append(el("a", { class: "run-link", href: `#run=${encodeURIComponent(entry.run)}`, "aria-label": `Show run ${runNames.get(entry.run)} in the runs list` }, "run ›"));
  li.append(head);
  li.append(...body(entry));
  return li;
}

function headline(e) {
  if (e.kind === "tool-call") return `Tool call · ${e.name}`;
  if (e.kind === "tool-result") return `Tool result · ${e.name}`;
  if (e.kind === "error") return e.ended ? `Run ended in error${e.name ? ` · ${e.name}` : ""}` : `Error${e.name ? ` · ${e.name}` : ""}`;
  if (e.kind === "policy") return `Policy ${e.action === "block" ? "blocked" : e.action === "flag" ? "flagged" : e.action} · ${e.name}`;
  if (e.kind === "node") return `Graph node · ${e.name}${e.step !== undefined ? ` (step ${e.step})` : ""}`;
  if (e.kind === "assistant" && e.final) return "Assistant · final answer";
  if (e.kind === "note") return `Note · ${e.name ?? ""}`;
  return LABEL[e.kind];
}

function metaText(e) {
  const parts = [];
  if (e.kind === "assistant" && e.model) parts.push(e.model);
  if (e.usage) parts.push(tokens(e.usage).replace(/ \(.*\)$/, ""));
  if (e.cost !== undefined) parts.push(cost(e.cost));
  if (e.duration !== undefined) parts.push(duration(e.duration));
  return parts.join(" · ");
}

function body(e) {
  switch (e.kind) {
    case "user":
      return [e.text ? text(e.text) : jsonTree(e.value ?? {}, { label: "input" })];
    case "assistant":
      return [e.reasoning ? reasoningBlock(e.reasoning) : null, e.text ? text(e.text) : null, e.toolCalls.length ? calls(e.toolCalls) : null].filter(Boolean);
    case "reasoning":
      return [reasoningBlock(e.reasoning)];
    case "tool-call":
      return [value(e.args, "arguments")];
    case "tool-result":
      return [value(e.result, "result")];
    case "error": {
      const err = e.error ?? {};
      const out = [el("p", { class: "error-message" }, [err.type ?? err.name, err.message].filter(Boolean).join(": ") || "error")];
      if (typeof err.stack === "string") {
        const d = el("details", { class: "stack-box" }, el("summary", {}, "Stack trace"), el("pre", { class: "stack" }, err.stack));
        out.push(d);
      }
      return out;
    }
    case "policy":
      return [el("p", {}, `Rule “${e.rule ?? "?"}”${e.reason ? `: ${e.reason}` : ""}`), e.args ? value(e.args, "arguments") : null].filter(Boolean);
    case "node":
      return [el("p", {}, e.changed === undefined ? (e.status ? "Returned no state update." : "Running (no end recorded).") : e.changed.length ? ["Changed state: ", ...e.changed.flatMap((k, i) => [i ? ", " : "", el("code", {}, k)])] : "Changed nothing.")];
    case "note":
      return [jsonTree(e.value ?? {}, { label: "note" })];
    default:
      return [];
  }
}

/** A message text with its line breaks; a long one shows its start and opens on demand. */
function text(s) {
  if (s.length <= TEXT_LIMIT) return el("p", { class: "msg-text" }, s);
  const p = el("p", { class: "msg-text" }, s.slice(0, TEXT_LIMIT), "…");
  const more = el("button", { type: "button", class: "linkish" }, `Show all ${s.length.toLocaleString("en-US")} characters`);
  more.addEventListener("click", () => {
    p.textContent = s;
    more.remove();
  });
  return el("div", {}, p, more);
}

/** A tool's arguments or result: JSON as a tree (also JSON inside a string), text as text. */
function value(v, label) {
  if (typeof v === "string") {
    const t = v.trim();
    if ((t.startsWith("{") || t.startsWith("[")) && t.length < 1_000_000) {
      try {
        return jsonTree(JSON.parse(t), { label });
      } catch {
        // not JSON after all
      }
    }
    return text(v);
  }
  if (v === undefined) return el("p", { class: "muted" }, "(none recorded)");
  return jsonTree(v, { label });
}

function reasoningBlock(r) {
  const d = el("details", { class: "reasoning" }, el("summary", {}, r.confidence !== undefined ? `Reasoning (confidence ${r.confidence})` : "Reasoning"));
  if (r.text) d.append(el("p", { class: "msg-text" }, r.text));
  else if (r.thought) d.append(el("p", { class: "msg-text" }, r.thought));
  if (r.toolCalls?.length) d.append(el("p", { class: "muted" }, `Planned: ${r.toolCalls.map((c) => c.name).join(", ")}`));
  return d;
}

function calls(toolCalls) {
  return el("ul", { class: "calls", "aria-label": "Tool calls requested" }, toolCalls.map((c) => el("li", {}, el("code", {}, `${c.name}(${compact(c.args)})`))));
}

function compact(args) {
  if (args === undefined) return "";
  const s = JSON.stringify(args);
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
