/** The figures `agent-audit stats` prints and the viewer shows, from any store, in one round. */
import type { AuditStore, EventFilter } from "./types.js";

export async function statsReport(store: AuditStore, filter: EventFilter) {
  const [tools, errors, models, users, volume] = await Promise.all([store.toolStats(filter), store.errorRate(filter), store.modelUsage(filter), store.userUsage(filter), store.volume(filter)]);
  return { tools, errors, models, users, volume };
}
