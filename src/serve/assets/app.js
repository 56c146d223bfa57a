// The viewer's pages: plain DOM, data from the JSON endpoints, charts drawn as SVG. No libraries,
// nothing from the network but this server. Everything shown is escaped: trail content is untrusted.
const $ = (s, el = document) => el.querySelector(s);
const el = (tag, attrs = {}, ...children) => {
  const n = document.createElement(tag);
  // Styles through the CSSOM: the page's Content-Security-Policy forbids inline style attributes.
  for (const [k, v] of Object.entries(attrs)) k === "class" ? (n.className = v) : k === "style" ? (n.style.cssText = v) : n.setAttribute(k, v);
  for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return n;
};
const api = async (path) => {
  const r = await fetch(path, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
};
// The API answers one page at a time ({ [key]: [...], next }); these pages show every row, so
// they follow the cursors until the last page.
const apiAll = async (path, key) => {
  const rows = [];
  for (let next = null, first = true; first || next; first = false) {
    const page = await api(next ? `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(next)}` : path);
    rows.push(...page[key]);
    next = page.next;
  }
  return rows;
};
const ms = (x) => (x == null ? "" : x >= 60000 ? `${(x / 60000).toFixed(1)} min` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const when = (ts) => ts.replace("T", " ").slice(0, 19);

async function badge() {
  const b = $("#badge");
  try {
    const i = await api("/api/integrity");
    if (!i.available) return (b.textContent = "integrity: n/a");
    const to = i.chains.map((c) => c.verified_to?.seq).filter(Boolean);
    b.textContent = i.ok ? `✓ verified${to.length ? ` to checkpoint seq ${Math.max(...to)}` : ""}` : `✗ ${i.problems} integrity problem(s)`;
    b.className = `badge ${i.ok ? "ok" : "bad"}`;
    b.title = i.ok ? `${i.events} events intact${i.trusted_key ? "" : " (key from the trail directory)"}` : `${i.first_problem?.kind}: ${i.first_problem?.detail}`;
  } catch (e) {
    b.textContent = "integrity: unknown";
  }
}

async function sessionsPage() {
  const form = $("#filters");
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].type === "checkbox" ? (form.elements[k].checked = v === "1") : (form.elements[k].value = v);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const k of ["q", "user", "since", "until"]) if (form.elements[k].value) p.set(k, form.elements[k].value);
    if (form.elements.errors.checked) p.set("errors", "1");
    location.search = p.toString();
  });
  const api_params = new URLSearchParams(params);
  if (params.get("until")) api_params.set("until", new Date(Date.parse(params.get("until")) + 86400000).toISOString().slice(0, 10));
  const rows = await apiAll(`/api/sessions?${api_params}`, "sessions");
  const body = $("#sessions tbody");
  for (const r of rows) {
    const link = el("a", { href: `/session/${encodeURIComponent(r.session_id)}`, title: r.preview ?? "" }, r.session_id);
    const tr = el("tr", { class: r.errors ? "has-errors" : "" }, el("td", {}, link), el("td", {}, r.user_id ?? ""), el("td", {}, when(r.start)), el("td", { class: "num" }, ms(r.duration_ms)), el("td", { class: "num" }, r.runs), el("td", { class: "num" }, r.model_calls), el("td", { class: "num" }, r.tool_calls), el("td", { class: "num" }, r.tokens), el("td", { class: "num" }, r.cost.toFixed(4)), el("td", { class: "num" }, r.errors));
    body.append(tr);
  }
  $("#empty").hidden = rows.length > 0;
}

/** Pairs start/end events into runs and hangs everything on its parent: the waterfall's tree. */
function buildTree(events) {
  const runs = new Map();
  const notes = [];
  for (const e of events) {
    const m = /^(chain|llm|tool|retriever)_(start|end|error)$/.exec(e.type);
    if (m && e.run_id) {
      const r = runs.get(e.run_id) ?? { id: e.run_id, kind: m[1], name: e.name, parent: e.parent_run_id, children: [], notes: [] };
      if (m[2] === "start") r.start = e;
      else r.end = e;
      r.name ??= e.name;
      runs.set(e.run_id, r);
    } else notes.push(e);
  }
  const t = (e) => Date.parse(e.ts);
  for (const r of runs.values()) {
    r.t0 = r.start ? t(r.start) : r.end ? t(r.end) - (r.end.duration_ms ?? 0) : 0;
    r.t1 = r.end ? r.t0 + (r.end.duration_ms ?? t(r.end) - r.t0) : r.t0;
    r.error = r.end?.status === "error";
  }
  const roots = [];
  for (const r of runs.values()) (runs.get(r.parent)?.children ?? roots).push(r);
  for (const n of notes) {
    const host = runs.get(n.parent_run_id) ?? runs.get(n.trace_id);
    if (host) host.notes.push(n);
    else roots.push({ note: n, t0: t(n.ts) });
  }
  const order = (list) => list.sort((a, b) => a.t0 - b.t0).forEach((r) => r.children && order(r.children));
  order(roots);
  return { roots, all: [...runs.values()] };
}

async function sessionPage() {
  const id = decodeURIComponent(location.pathname.slice("/session/".length));
  $("#title").textContent = `Session ${id}`;
  const events = await apiAll(`/api/sessions/${encodeURIComponent(id)}`, "events");
  const { roots, all } = buildTree(events);
  const t0 = Math.min(...all.map((r) => r.t0), ...events.map((e) => Date.parse(e.ts)));
  const t1 = Math.max(...all.map((r) => r.t1), ...events.map((e) => Date.parse(e.ts)));
  const span = Math.max(1, t1 - t0);
  $("#summary").textContent = `${events.length} events · ${events[0]?.user_id ? `user ${events[0].user_id} · ` : ""}${when(events[0].ts)} UTC · ${ms(t1 - t0)}`;
  const box = $("#waterfall");
  const detail = (obj) => el("pre", { class: "details" }, JSON.stringify(obj, null, 2));
  const toggle = (row, make) => row.addEventListener("click", () => {
    const next = row.nextElementSibling;
    if (next?.classList.contains("details")) next.remove();
    else row.after(make());
  });
  const noteRow = (n, depth) => {
    const d = n.data ?? {};
    const text = n.type === "policy" ? `policy: ${d.action} ${d.tool} — ${d.rule ?? ""}${d.reason ? `: ${d.reason}` : ""}` : n.type === "reasoning" ? `thought: ${d.thought ?? d.reasoning ?? ""}${d.tool_calls ? ` → ${d.tool_calls.map((c) => c.name).join(", ")}` : ""}` : `${n.type}: ${typeof d.content === "string" ? d.content : JSON.stringify(d).slice(0, 200)}`;
    const row = el("div", { class: `note ${n.type}`, style: `margin-left:${depth * 1.2}rem` }, text);
    toggle(row, () => detail(n));
    box.append(row);
  };
  const runRow = (r, depth) => {
    const left = ((r.t0 - t0) / span) * 100;
    const width = Math.max(0.3, ((r.t1 - r.t0) / span) * 100);
    const row = el("div", { class: `row ${r.error ? "error" : ""}`, role: "treeitem", "data-run": r.name ?? "" },
      el("div", { class: "label", style: `padding-left:${depth * 1.2}rem` }, el("span", { class: "kind" }, r.kind), r.name ?? r.kind, r.error ? " ✗" : ""),
      el("div", { class: "track" }, el("div", { class: `bar ${r.kind} ${r.error ? "error" : ""}`, style: `left:${left}%;width:${width}%` })),
      el("div", {}, ms(r.t1 - r.t0)));
    toggle(row, () => detail({ start: r.start?.data, end: r.end?.data, status: r.end?.status, redactions: [...(r.start?.redactions ?? []), ...(r.end?.redactions ?? [])] }));
    box.append(row);
    for (const n of r.notes) noteRow(n, depth + 1);
    for (const c of r.children) runRow(c, depth + 1);
  };
  for (const r of roots) (r.note ? noteRow(r.note, 0) : runRow(r, 0));
}

/** A horizontal bar chart in SVG: one bar per item, value labels, marked bars in red. */
function barChart(container, items, { unit = "", width = 720 } = {}) {
  const ns = "http://www.w3.org/2000/svg";
  const rowH = 22;
  const labelW = 230;
  const max = Math.max(1e-9, ...items.map((i) => i.value));
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", Math.max(rowH, items.length * rowH + 4));
  items.forEach((it, k) => {
    const y = k * rowH + 2;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 0);
    label.setAttribute("y", y + 14);
    label.textContent = it.label;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", labelW);
    bar.setAttribute("y", y + 3);
    bar.setAttribute("height", rowH - 8);
    bar.setAttribute("width", Math.max(1, ((width - labelW - 90) * it.value) / max));
    bar.setAttribute("fill", it.mark ? "#c9302c" : "#3559e0");
    bar.setAttribute("class", "bar-rect");
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", labelW + Math.max(1, ((width - labelW - 90) * it.value) / max) + 6);
    value.setAttribute("y", y + 14);
    value.textContent = `${it.text ?? it.value}${unit}`;
    svg.append(label, bar, value);
  });
  container.replaceChildren(items.length ? svg : document.createTextNode("No data yet."));
}

async function statsPage() {
  const s = await api("/api/stats");
  barChart($("#tools"), s.tools.map((t) => ({ label: `${t.tool} (${t.calls} calls, ${t.errors} errors)`, value: t.p95_ms ?? 0, text: `p95 ${ms(t.p95_ms)}`, mark: t.errors > 0 })));
  barChart($("#errors"), s.errors.map((d) => ({ label: `${d.day} (${d.failed_invocations}/${d.invocations} runs)`, value: d.rate * 100, text: `${(d.rate * 100).toFixed(1)}`, mark: d.rate > 0 })), { unit: "%" });
  barChart($("#models"), s.models.map((m) => ({ label: `${m.day} ${m.model}`, value: m.total_tokens, text: `${m.total_tokens} tokens · $${m.cost.toFixed(4)}` })));
  barChart($("#volume"), s.volume.map((h) => ({ label: h.hour.replace("T", " ").slice(0, 16), value: h.events, mark: h.spike })));
}

badge();
const pages = { sessions: sessionsPage, session: sessionPage, stats: statsPage };
pages[document.body.dataset.page]?.().catch((e) => {
  document.querySelector("main").append(el("p", { class: "error" }, `Could not load: ${e.message}`));
});
