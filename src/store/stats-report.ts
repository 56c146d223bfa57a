/** The figures `agent-audit stats` prints and the viewer shows, from any store, in one round. */
import { round6 } from "./analytics.js";
import type { AuditStore, EventFilter, UserDay } from "./types.js";

export async function statsReport(store: AuditStore, filter: EventFilter) {
  const [tools, errors, models, users, volume] = await Promise.all([store.toolStats(filter), store.errorRate(filter), store.modelUsage(filter), store.userUsage(filter), store.volume(filter)]);
  return { tools, errors, models, users, user_totals: costPerUser(users), volume };
}

/** Each user's days added up, costliest first (then by id, so the order is stable). */
export function costPerUser(days: readonly UserDay[]): Array<Omit<UserDay, "day">> {
  const users = new Map<string, Omit<UserDay, "day">>();
  for (const d of days) {
    const u = users.get(d.user_id) ?? { user_id: d.user_id, calls: 0, total_tokens: 0, cost: 0 };
    u.calls += d.calls;
    u.total_tokens += d.total_tokens;
    u.cost = round6(u.cost + d.cost);
    users.set(d.user_id, u);
  }
  return [...users.values()].sort((a, b) => b.cost - a.cost || (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
}
