// The waterfall of runs: one row per run (nested by depth, a bar on the session's time axis, its
// duration), a button that opens the run's details under it. Keyboard: ↑/↓ or k/j move between
// runs, Home/End jump, Enter or Space opens and closes. One row is in the tab order at a time.
import { el, renderKeyed } from "./dom.js";
import { runDetails } from "./run-details.js";
import { duration } from "./units.js";

export class Waterfall {
  /** `onSelect(runId)` is told whenever the selection moves (the page keeps it in the URL). */
  constructor(list, { onSelect }) {
    this.list = list;
    this.onSelect = onSelect;
    this.model = undefined;
    this.selected = undefined;
    this.expanded = new Set();
    this.rows = new Map(); // run id → its <li>
    list.addEventListener("keydown", (ev) => this.key(ev));
  }

  /** Draws `model` (from buildRuns), keeping what was selected and open. Resolves when drawn. */
  async render(model) {
    this.model = model;
    const span = Math.max(1, model.t1 - model.t0);
    const hadFocus = this.list.contains(document.activeElement);
    // A row is redrawn only when its run changed (its end arrived, it moved in the tree).
    await renderKeyed(this.list, model.flat, (run) => `${run.id} ${run.end?.id ?? ""} ${run.depth} ${run.notes.length}`, (run) => this.row(run));
    // The time axis can grow with every page: bars are placed again, rows are kept.
    for (const run of model.flat) place(this.rows.get(run.id)?.querySelector(".bar"), run, model.t0, span);
    const keep = this.selected && model.runs.has(this.selected) ? this.selected : model.flat[0]?.id;
    // Quietly: drawing is not the reader choosing a run (the URL may name another, still loading).
    if (keep) this.select(keep, { focus: hadFocus, quiet: true });
  }

  row(run) {
    const kind = run.node ? "node" : run.kind;
    const button = el(
      "button",
      { type: "button", class: `row ${run.kind}${run.error ? " error" : ""}`, id: `row-${run.id}`, "aria-expanded": "false", "aria-controls": `details-${run.id}`, tabindex: "-1" },
      el("span", { class: "label", indent: run.depth }, el("span", { class: `kind kind-${kind}` }, kind), " ", el("span", { class: "name" }, runLabel(run)), run.error ? el("span", { class: "flag" }, " ✗ error") : "", run.open ? el("span", { class: "flag" }, " (no end)") : ""),
      el("span", { class: "track", "aria-hidden": "true" }, el("span", { class: `bar ${run.kind}${run.error ? " error" : ""}` })),
      el("span", { class: "dur" }, run.open ? "—" : duration(run.t1 - run.t0)),
    );
    button.addEventListener("click", () => {
      this.select(run.id, { focus: false });
      this.toggle(run.id);
    });
    const li = el("li", { class: "run", "data-run-id": run.id }, button);
    this.rows.set(run.id, li);
    if (this.expanded.has(run.id)) this.open(li, run);
    return li;
  }

  item(runId) {
    const li = this.rows.get(runId);
    return li?.isConnected ? li : undefined;
  }

  /** Marks `runId` as the current run: the one in the tab order, outlined, in the URL. */
  select(runId, { focus = true, scroll = false, quiet = false } = {}) {
    const li = this.item(runId);
    if (!li) return false;
    for (const old of this.list.querySelectorAll("li.selected")) {
      old.classList.remove("selected");
      const b = old.querySelector(".row");
      b.setAttribute("tabindex", "-1");
      b.removeAttribute("aria-current");
    }
    li.classList.add("selected");
    const button = li.querySelector(".row");
    button.setAttribute("tabindex", "0");
    button.setAttribute("aria-current", "true");
    const changed = this.selected !== runId;
    this.selected = runId;
    if (focus) button.focus({ preventScroll: scroll });
    if (scroll) li.scrollIntoView({ block: "center" });
    if (changed && !quiet) this.onSelect?.(runId);
    return true;
  }

  toggle(runId, force) {
    const li = this.item(runId);
    const run = this.model?.runs.get(runId);
    if (!li || !run) return;
    const isOpen = this.expanded.has(runId);
    if (force === undefined ? isOpen : !force) {
      this.expanded.delete(runId);
      li.querySelector(".details")?.setAttribute("hidden", "");
      li.querySelector(".row").setAttribute("aria-expanded", "false");
    } else {
      this.expanded.add(runId);
      this.open(li, run);
    }
  }

  open(li, run) {
    let details = li.querySelector(".details");
    // Built on first open only: a session of thousands of runs draws rows, not their contents.
    if (!details) li.append((details = el("div", { class: "details", id: `details-${run.id}`, role: "region", "aria-label": `Details of ${runLabel(run)}` }, runDetails(run))));
    details.removeAttribute("hidden");
    li.querySelector(".row").setAttribute("aria-expanded", "true");
  }

  key(ev) {
    const from = ev.target.closest?.(".row");
    if (!from || ev.altKey || ev.ctrlKey || ev.metaKey) return; // keys inside opened details are theirs
    const rows = [...this.list.querySelectorAll(":scope > li > .row")];
    const at = rows.indexOf(from);
    const go = { ArrowDown: at + 1, j: at + 1, ArrowUp: at - 1, k: at - 1, Home: 0, End: rows.length - 1 }[ev.key];
    if (go === undefined) return;
    ev.preventDefault();
    const target = rows[Math.max(0, Math.min(rows.length - 1, go))];
    if (target) this.select(target.parentElement.dataset.runId);
  }
}

function place(bar, run, t0, span) {
  if (!bar) return;
  // Positions through the CSSOM: the Content-Security-Policy forbids style attributes.
  bar.style.left = `${((run.t0 - t0) / span) * 100}%`;
  bar.style.width = `${Math.max(0.3, ((run.t1 - run.t0) / span) * 100)}%`;
}

/** A model call is named by the model that answered (the run's own name is often the client class). */
export function runLabel(run) {
  return (run.kind === "llm" && run.model) || run.name || run.kind;
}
