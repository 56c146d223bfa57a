// One session: the waterfall of runs beside the conversation, loaded a page of events at a time
// (the first at once, the rest as the reader scrolls to the end or asks), with deep links to a run:
// /session/<id>#run=<run_id> selects it, opens it and scrolls to it.
import { fetchSessionEvents } from "./api.js";
import { conversation, buildRuns } from "./session-model.js";
import { bubble } from "./conversation.js";
import { Waterfall } from "./waterfall.js";
import { $, announce, el, renderKeyed } from "./dom.js";
import { cost, count, duration, exactCost, when } from "./units.js";

const PAGE = 500;
const MAX_PAGES_FOR_A_LINK = 200; // a deep link loads pages until it finds its run, within reason

export async function sessionPage() {
  const id = decodeURIComponent(location.pathname.slice("/session/".length));
  document.title = `Session ${id} · agent-audit`;
  $("#title").textContent = `Session ${id}`;
  const events = [];
  let next;
  let done = false;
  let loading;
  const more = $("#more");
  const moreButton = $("#load-more");
  const waterfall = new Waterfall($("#waterfall"), { onSelect: (runId) => history.replaceState(null, "", `#run=${encodeURIComponent(runId)}`) });

  const draw = async () => {
    const model = buildRuns(events);
    const names = new Map([...model.runs.values()].map((r) => [r.id, r.name ?? r.kind]));
    summary(events, model);
    const conv = $("#conversation");
    // An entry is redrawn only when a later page completed it (its reasoning, a node's end).
    const key = (entry) => `${entry.event.id} ${entry.reasoning ? "r" : ""} ${entry.changed?.length ?? ""} ${names.has(entry.run)}`;
    await Promise.all([waterfall.render(model), renderKeyed(conv, conversation(events), key, (entry) => bubble(entry, names))]);
    $("#empty-conversation").hidden = conv.children.length > 0;
  };

  /** Loads the next page of events and redraws. Concurrent calls share one request. */
  const loadPage = () =>
    (loading ??= (async () => {
      try {
        moreButton.disabled = true;
        const page = await fetchSessionEvents(id, { limit: PAGE, cursor: next });
        events.push(...page.events);
        next = page.next ?? undefined;
        done = !next;
        await draw();
        more.hidden = done;
        moreButton.textContent = `Load more events (${count(events.length)} loaded)`;
        if (events.length > PAGE) announce(`${count(events.length)} events loaded`);
      } finally {
        moreButton.disabled = false;
        loading = undefined;
      }
    })());

  const linkedRun = () => {
    const m = /^#run=(.+)$/.exec(location.hash);
    if (!m) return undefined;
    try {
      return decodeURIComponent(m[1]);
    } catch {
      return undefined;
    }
  };
  const followLink = async () => {
    const runId = linkedRun();
    if (!runId) return;
    for (let pages = 0; !waterfall.model?.runs.has(runId) && !done && pages < MAX_PAGES_FOR_A_LINK; pages++) await loadPage();
    if (waterfall.select(runId, { scroll: true })) waterfall.toggle(runId, true);
    else announce(`run ${runId} is not in this session`);
  };

  moreButton.addEventListener("click", () => loadPage());
  // The next page comes when the end of the page comes into view.
  new IntersectionObserver((seen) => seen.some((s) => s.isIntersecting) && !done && loadPage(), { rootMargin: "400px" }).observe(more);
  addEventListener("hashchange", () => followLink());

  await loadPage();
  await followLink();
}

function summary(events, model) {
  const dl = $("#summary");
  dl.replaceChildren();
  const llm = [...model.runs.values()].filter((r) => r.kind === "llm");
  const tokenTotal = llm.reduce((n, r) => n + (r.usage?.total_tokens ?? 0), 0);
  const priced = llm.filter((r) => r.cost !== undefined);
  const costTotal = priced.reduce((n, r) => n + r.cost, 0);
  const errors = events.filter((e) => e.level === "error" && e.type !== "output" && !e.data?.propagated).length;
  const user = events.find((e) => e.user_id)?.user_id;
  const add = (k, v, cls, title) => dl.append(el("div", { class: cls }, el("dt", {}, k), el("dd", title ? { title } : {}, v)));
  if (user) add("User", user);
  if (events[0]) add("Started", `${when(events[0].ts)} UTC`);
  add("Duration", duration(model.t1 - model.t0));
  add("Events", count(events.length));
  add("Model calls", count(llm.length));
  add("Tokens", count(tokenTotal));
  add("Cost", priced.length ? cost(costTotal) : "—", undefined, priced.length ? exactCost(costTotal) : "no priced model call");
  add("Errors", count(errors), errors ? "bad" : undefined);
}
