// Every request the pages make to the viewer's JSON API, in one place: the pages see only these
// functions, so a change to the API's contract is a change here.
//
// Contract: GET /api/sessions?limit&cursor&user&since&until&errors&q → {sessions, next, total};
// GET /api/sessions/<id>?limit&cursor → {session_id, events, next}; GET /api/stats; GET /api/integrity.

async function getJson(path) {
  const r = await fetch(path, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (!r.ok) {
    let reason = "";
    try {
      reason = (await r.json()).error ?? "";
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`${path}: HTTP ${r.status}${reason ? ` (${reason})` : ""}`);
  }
  return r.json();
}

const query = (params) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

/** One page of session rows: {sessions, next, total}. `filters`: user, since, until, errors ("1"), q. */
export function fetchSessions(filters = {}, { limit = 50, cursor } = {}) {
  return getJson(`/api/sessions${query({ ...filters, limit, cursor })}`);
}

/** One page of a session's events, oldest first: {session_id, events, next}. */
export function fetchSessionEvents(sessionId, { limit = 500, cursor } = {}) {
  return getJson(`/api/sessions/${encodeURIComponent(sessionId)}${query({ limit, cursor })}`);
}

export function fetchStats(range = {}) {
  return getJson(`/api/stats${query(range)}`);
}

export function fetchIntegrity() {
  return getJson("/api/integrity");
}
