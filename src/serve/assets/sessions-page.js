// The sessions list: filters in the URL, a page of rows at a time (more as the reader reaches the
// end of the table, or asks).
import { fetchSessions } from "./api.js";
import { $, announce, el } from "./dom.js";
import { cost, count, duration, exactCost, when } from "./units.js";

const COLUMNS = ["Session", "User", "Start (UTC)", "Duration", "Runs", "Model calls", "Tool calls", "Tokens", "Cost", "Errors"];

export async function sessionsPage() {
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
  const filters = Object.fromEntries([...params].filter(([k]) => ["q", "user", "since", "until", "errors"].includes(k)));
  // "to" is a day: sessions on that day count.
  if (filters.until) filters.until = new Date(Date.parse(filters.until) + 86_400_000).toISOString().slice(0, 10);

  const body = $("#sessions tbody");
  const more = $("#more");
  const button = $("#load-more");
  let next;
  let shown = 0;
  let loading;
  const load = () =>
    (loading ??= (async () => {
      try {
        button.disabled = true;
        const page = await fetchSessions(filters, { cursor: next });
        for (const r of page.sessions) body.append(row(r));
        shown += page.sessions.length;
        next = page.next ?? undefined;
        $("#count").textContent = `${count(shown)} of ${count(page.total)} session${page.total === 1 ? "" : "s"}`;
        $("#empty").hidden = shown > 0;
        more.hidden = !next;
        if (shown > page.sessions.length) announce(`${count(shown)} sessions shown`);
      } finally {
        button.disabled = false;
        loading = undefined;
      }
    })());
  button.addEventListener("click", () => load());
  new IntersectionObserver((seen) => seen.some((s) => s.isIntersecting) && next && load(), { rootMargin: "300px" }).observe(more);
  await load();
}

function row(r) {
  const cells = [
    el("td", {}, el("a", { href: `/session/${encodeURIComponent(r.session_id)}` }, r.session_id), r.preview ? el("div", { class: "preview" }, r.preview) : ""),
    el("td", {}, r.user_id ?? "—"),
    el("td", {}, when(r.start)),
    el("td", { class: "num" }, duration(r.duration_ms)),
    el("td", { class: "num" }, count(r.runs)),
    el("td", { class: "num" }, count(r.model_calls)),
    el("td", { class: "num" }, count(r.tool_calls)),
    el("td", { class: "num" }, count(r.tokens)),
    el("td", { class: "num", title: exactCost(r.cost) }, r.model_calls ? cost(r.cost) : "—"),
    el("td", { class: `num${r.errors ? " bad" : ""}` }, count(r.errors)),
  ];
  // Narrow screens show each row as a card; the cell's column name comes from data-label.
  cells.forEach((c, i) => c.setAttribute("data-label", COLUMNS[i]));
  return el("tr", { class: r.errors ? "has-errors" : undefined }, ...cells);
}
