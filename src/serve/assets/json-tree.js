// A JSON value as a collapsible tree: objects and arrays are <details> (keyboard and screen-reader
// friendly as they come), built only when first opened so a megabyte of tool output costs nothing
// until someone looks. Multi-line strings (stacks, prompts, tool output) are preformatted text with
// their real line breaks.
import { copyButton, el } from "./dom.js";

const OPEN_DEPTH = 2; // levels opened at first
const OPEN_MAX_ENTRIES = 25; // a bigger container starts closed whatever its depth

/** The tree of `value` with a copy button for the whole of it. */
export function jsonTree(value, { label = "value", open = true } = {}) {
  const box = el("div", { class: "json-tree" }, el("div", { class: "json-tools" }, copyButton(() => JSON.stringify(value, null, 2), label)));
  box.append(node(undefined, value, open ? 0 : OPEN_DEPTH));
  return box;
}

function node(key, value, depth) {
  if (value !== null && typeof value === "object") return container(key, value, depth);
  const row = el("div", { class: "json-leaf" });
  if (key !== undefined) row.append(el("span", { class: "json-key" }, key), ": ");
  row.append(leaf(value));
  return row;
}

function container(key, value, depth) {
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = el("summary", {}, key !== undefined ? el("span", { class: "json-key" }, key) : "", key !== undefined ? ": " : "", el("span", { class: "json-shape" }, isArray ? `[ ${entries.length} item${entries.length === 1 ? "" : "s"} ]` : `{ ${entries.length} key${entries.length === 1 ? "" : "s"} }`));
  if (!entries.length) return el("div", { class: "json-leaf" }, key !== undefined ? [el("span", { class: "json-key" }, key), ": "] : "", el("span", { class: "json-shape" }, isArray ? "[]" : "{}"));
  const details = el("details", { class: "json-node" }, summary);
  let built = false;
  const build = () => {
    if (built) return;
    built = true;
    const list = el("div", { class: "json-children" });
    for (const [k, v] of entries) list.append(node(k, v, depth + 1));
    details.append(list);
  };
  details.addEventListener("toggle", () => details.open && build());
  if (depth < OPEN_DEPTH && entries.length <= OPEN_MAX_ENTRIES) {
    details.open = true;
    build();
  }
  return details;
}

function leaf(value) {
  if (typeof value === "string") {
    if (value.includes("\n")) {
      return el("div", { class: "json-multiline" }, el("pre", { class: "json-str" }, value), copyButton(() => value, "text"));
    }
    return el("span", { class: "json-str" }, JSON.stringify(value));
  }
  if (typeof value === "number") return el("span", { class: "json-num" }, String(value));
  if (typeof value === "boolean") return el("span", { class: "json-bool" }, String(value));
  return el("span", { class: "json-null" }, "null");
}
