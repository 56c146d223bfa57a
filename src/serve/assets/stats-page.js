// The stats: bar charts drawn as HTML (real text, readable at any width), values with units.
import { fetchStats } from "./api.js";
import { $, el } from "./dom.js";
import { cost, count, duration } from "./units.js";

export async function statsPage() {
  const s = await fetchStats();
  bars($("#tools"), "Tool calls and p95 latency", s.tools.map((t) => ({ label: t.tool, note: `${plural(t.calls, "call")}, ${plural(t.errors, "error")}`, value: t.p95_ms ?? 0, text: `p95 ${duration(t.p95_ms)}`, mark: t.errors > 0 })));
  bars($("#errors"), "Failed runs per day", s.errors.map((d) => ({ label: d.day, note: `${count(d.failed_invocations)} of ${plural(d.invocations, "run")}`, value: d.rate, text: `${(d.rate * 100).toFixed(1)}%`, mark: d.rate > 0 })));
  bars($("#models"), "Tokens per model per day", s.models.map((m) => ({ label: `${m.day} ${m.model}`, value: m.total_tokens, text: `${count(m.total_tokens)} tokens · ${cost(m.cost)}` })));
  const users = s.user_totals.slice(0, 20);
  bars($("#users"), "Cost per user, top 20", users.map((u) => ({ label: u.user_id, note: plural(u.calls, "model call"), value: u.cost, text: `${cost(u.cost)} · ${count(u.total_tokens)} tokens` })));
  bars($("#volume"), "Events per hour", s.volume.map((h) => ({ label: `${h.hour.replace("T", " ").slice(0, 16)} UTC`, value: h.events, text: `${count(h.events)} events${h.spike ? " (spike)" : ""}`, mark: h.spike })));
}

/** One horizontal bar per item, scaled to the largest; marked bars in red. */
function bars(container, title, items) {
  if (!items.length) return container.replaceChildren(el("p", { class: "muted" }, "No data yet."));
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const list = el("ol", { class: "bars", "aria-label": title });
  for (const it of items) {
    const fill = el("span", { class: `bar-fill${it.mark ? " mark" : ""}` });
    fill.style.width = `${Math.max(0.5, (it.value / max) * 100)}%`; // CSSOM: CSP forbids style attributes
    list.append(el("li", {}, el("span", { class: "bar-label" }, it.label, it.note ? el("span", { class: "muted" }, ` · ${it.note}`) : ""), el("span", { class: "bar-track", "aria-hidden": "true" }, fill), el("span", { class: "bar-value" }, it.text)));
  }
  container.replaceChildren(list);
}

const plural = (n, word) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;
