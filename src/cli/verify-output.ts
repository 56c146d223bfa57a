/** How `agent-audit verify` speaks: its exit status and its human-readable report. */
import type { VerifyReport } from "../integrity/verify.js";
import { plural } from "./format.js";

/** 0: intact; 1: tampering (or anything unexplained); 3: only warnings, such as a crash-torn last line. */
export function verifyStatus(r: VerifyReport): number {
  if (!r.ok) return 1;
  return r.warnings.length ? 3 : 0;
}

export function describeVerify(r: VerifyReport, dir: string): string[] {
  const lines: string[] = [];
  for (const c of r.chains) {
    const to = r.store?.kind === "postgres" ? "checked link by link (PostgreSQL keeps no signed checkpoints)" : c.verified_to ? `verified to signed checkpoint seq ${c.verified_to.seq} (${c.verified_to.ts})` : "no signed checkpoint covers it yet";
    lines.push(`chain ${c.chain_id}: ${plural(c.events, "event")}, seq ${c.first_seq ?? "-"}–${c.last_seq ?? "-"}, ${to}${c.erased ? `, ${c.erased} erased` : ""}${c.purged.length ? `, ${plural(c.purged.length, "segment")} purged` : ""}`);
  }
  const where = (x: { file?: string; line?: number; id?: string }) => `${x.file ? ` ${x.file}${x.line ? `:${x.line}` : ""}` : ""}${x.id ? ` id ${x.id}` : ""}`;
  for (const p of r.problems) lines.push(`✗ ${p.kind}${where(p)}${p.seq !== undefined ? ` (seq ${p.seq})` : ""}: ${p.detail}`);
  for (const w of r.warnings) lines.push(w.kind === "torn_tail" ? `! torn_tail ${w.file}:${w.line}: ${w.detail} (${plural(w.length ?? 0, "byte")} at offset ${w.offset})` : `! ${w.kind} chain ${w.chain_id}${w.seq !== undefined ? ` (seq ${w.seq})` : ""}: ${w.detail}`);
  for (const g of r.gaps) lines.push(`gap: chain ${g.chain_id} seq ${g.first_seq}–${g.last_seq} (${plural(g.count, "event")}) given up by sink "${g.sink}", declared by a sealed trail.gap record at seq ${g.declared_at}${g.reason ? ` — ${g.reason}` : ""}`);
  for (const rec of r.recoveries) lines.push(`recovered: ${rec.file}: a crash-torn last line of ${plural(rec.length, "byte")}, acknowledged by chain ${rec.by_chain} seq ${rec.by_seq}`);
  for (const e of r.erasures.slice(0, 20)) lines.push(`erased:${where(e)} (seq ${e.seq}) by ${e.by} at ${e.at}${e.reason ? ` — ${e.reason}` : ""}`);
  if (r.erasures.length > 20) lines.push(`… and ${plural(r.erasures.length - 20, "more erased event")}`);
  if (r.trust_source) lines.push(`signatures checked with keys from the ${r.trust_source} (never the trail's own copy)`);
  if (!r.ok) lines.push(`✗ ${dir}: ${plural(r.problems.length, "problem")} found`);
  else if (r.warnings.length) lines.push(`! ${dir}: ${plural(r.events, "event")} intact, but ${plural(r.warnings.length, "mark")} of a crash not yet acknowledged (torn or unsigned tails): run agent-audit repair --dir ${dir}`);
  else lines.push(`✓ ${dir}: ${plural(r.events, "event")} intact (${Math.round(r.eventsPerSecond)} events/s)`);
  return lines;
}
