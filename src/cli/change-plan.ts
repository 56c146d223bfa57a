/**
 * What erase and purge are about to change, in words, printed before they ask (confirm.ts). Counts,
 * chains, users and the time span, so a person can tell a typo'd user id or an age of 9d instead
 * of 90d before anything is gone.
 */
import type { ErasurePlan } from "../integrity/erase-plan.js";
import type { PurgePlan } from "../integrity/retention.js";
import type { PostgresPlan } from "../store/postgres-plan.js";
import { plural } from "./format.js";

const SHOWN = 10;

function list(label: string, items: readonly string[]): string[] {
  if (!items.length) return [];
  const more = items.length > SHOWN ? `, … and ${items.length - SHOWN} more` : "";
  return [`  ${label}: ${items.slice(0, SHOWN).join(", ")}${more}`];
}

function span(first: string | undefined, last: string | undefined): string {
  const day = (ts: string) => ts.replace("T", " ").slice(0, 19);
  return first && last ? `, from ${day(first)} to ${day(last)} UTC` : "";
}

export function describeErasurePlan(plan: ErasurePlan, dir: string): string[] {
  if (!plan.events) return [`Erase user "${plan.user}" in ${dir}: no events of this user to erase.`];
  return [
    `Erase user "${plan.user}" in ${dir}: ${plural(plan.events, "event")} in ${plural(plan.files.length, "file")} (${plural(plan.chains.length, "chain")}, ${plural(plan.sessions.length, "session")})${span(plan.first_ts, plan.last_ts)}.`,
    ...list("files", plan.files),
    ...list("chains", plan.chains),
    ...list("sessions", plan.sessions),
    "  Their content is replaced by tombstones under a signed erasure record; the hash chain still verifies.",
  ];
}

export function describePurgePlan(plan: PurgePlan, dir: string): string[] {
  if (!plan.segments.length) return [`Purge ${dir}: no segment is older than ${plan.cutoff} (UTC); nothing to remove.`];
  return [
    `Purge ${dir}: ${plural(plan.segments.length, "segment")} of days before ${plan.cutoff} (UTC): ${plural(plan.events, "event")} of ${plural(plan.chains.length, "chain")} and ${plural(plan.users.length, "user")}${span(plan.first_ts, plan.last_ts)}.`,
    ...list("segments", plan.segments),
    ...list("users", plan.users),
    "  The files are deleted; a signed checkpoint records what was purged.",
  ];
}

export function describePostgresPlan(action: "erase" | "purge", plan: PostgresPlan, where: string, subject: string): string[] {
  const verb = action === "erase" ? "Erase" : "Purge";
  if (!plan.rows) return [`${verb} ${subject} in ${where}: no rows match; nothing to change.`];
  return [
    `${verb} ${subject} in ${where}: ${plural(plan.rows, "row")} of ${plural(plan.chains.length, "chain")} and ${plural(plan.users.length, "user")}${span(plan.first_ts, plan.last_ts)}.`,
    ...list("chains", plan.chains),
    ...(action === "purge" ? list("users", plan.users) : []),
    action === "erase" ? "  Their content is replaced by tombstones under signed erasure records." : "  The rows are deleted (unsigned; recorded in the maintenance log).",
  ];
}
