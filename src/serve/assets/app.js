// The viewer's entry: the integrity badge on every page, then the page named by <body data-page>.
// Plain DOM modules, no libraries, nothing from the network but this server. Trail content is
// untrusted: it only ever becomes text, never HTML.
import { fetchIntegrity } from "./api.js";
import { $, el } from "./dom.js";
import { sessionsPage } from "./sessions-page.js";
import { sessionPage } from "./session-page.js";
import { statsPage } from "./stats-page.js";

async function badge() {
  const b = $("#badge");
  try {
    const i = await fetchIntegrity();
    if (!i.available) return (b.textContent = "integrity: n/a");
    const to = i.chains.map((c) => c.verified_to?.seq).filter(Boolean);
    b.textContent = i.ok ? `✓ verified${to.length ? ` to checkpoint seq ${Math.max(...to)}` : ""}` : `✗ ${i.problems} integrity problem(s)`;
    b.className = `badge ${i.ok ? "ok" : "bad"}`;
    b.title = i.ok ? `${i.events} events intact${i.trusted_key ? "" : " (key from the trail directory)"}` : `${i.first_problem?.kind}: ${i.first_problem?.detail}`;
  } catch {
    b.textContent = "integrity: unknown";
  }
}

badge();
const pages = { sessions: sessionsPage, session: sessionPage, stats: statsPage };
pages[document.body.dataset.page]?.().catch((e) => {
  $("main").append(el("p", { class: "load-error", role: "alert" }, `Could not load: ${e.message}`));
});
