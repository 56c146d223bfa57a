/** `agent-audit prove` and `agent-audit verify-bundle`: evidence bundles from the command line. */
import { readFileSync, writeFileSync } from "node:fs";
import { prove } from "../evidence/prove.js";
import type { Selection } from "../evidence/select.js";
import { verifyBundle, type BundleReport } from "../evidence/verify-bundle.js";
import { trustedKeysFor } from "../integrity/trust.js";
import { filterFrom } from "./analytics.js";
import { plural } from "./format.js";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface ProveArgs {
  dir: string;
  event?: string;
  session?: string;
  user?: string;
  since?: string;
  until?: string;
  out?: string;
  publicKey?: string;
  onProgress?: (events: number) => void;
}

/** 0: every selected event proven; 3: the bundle was written but some events are not yet provable; 1: nothing to prove. */
export async function proveCommand(a: ProveArgs, io: Io): Promise<number> {
  if (a.event === undefined && a.session === undefined && a.user === undefined && !a.since && !a.until) {
    throw new Error("prove needs a selection: --session <id>, --event <id>, --user <id>, or --since/--until");
  }
  const { sessionId, userId, since, until } = filterFrom(a);
  const selection: Selection = { sessionId, userId, since, until, eventId: a.event };
  const bundle = await prove(a.dir, selection, { publicKey: a.publicKey, onProgress: a.onProgress });
  if (bundle.events.length === 0 && bundle.unproven.length === 0) {
    io.err("agent-audit prove: no event matches the selection");
    return 1;
  }
  const json = JSON.stringify(bundle, null, 2) + "\n";
  if (a.out) writeFileSync(a.out, json, { mode: 0o600 });
  else io.out(json.trimEnd());
  const say = a.out ? io.out : io.err;
  say(`${plural(bundle.events.length, "event")} with inclusion proofs to ${plural(bundle.checkpoints.length, "signed checkpoint")}${a.out ? ` written to ${a.out}` : ""}`);
  for (const u of bundle.unproven.slice(0, 10)) io.err(`! not proven: event ${u.id} (chain ${u.chain_id} seq ${u.seq}): ${u.reason}`);
  if (bundle.unproven.length > 10) io.err(`! … and ${bundle.unproven.length - 10} more not proven`);
  return bundle.unproven.length ? 3 : 0;
}

/** 0: every event verified; 1: something failed (each failure named); 3: verified, but the bundle lists unproven events. */
export function verifyBundleCommand(file: string, publicKeyFile: string | undefined, json: boolean, io: Io, witnessKeys: string[] = []): number {
  const { keys, source } = trustedKeysFor(publicKeyFile ? readFileSync(publicKeyFile, "utf8") : undefined);
  const text = readFileSync(file, "utf8");
  if (keys.size === 0) {
    const carried = bundleKeyIds(text);
    io.err(`✗ untrusted_key: no trusted public key to check ${file} with${carried ? ` (it was signed with key ${carried}; the copy inside the bundle is not trusted)` : ""}. Pass --public-key <the writer's key.pem, from a copy you got out of band>, or set AGENT_AUDIT_PUBLIC_KEY`);
    return 1;
  }
  const report = verifyBundle(text, { publicKey: [...keys.values()], witnessKeys });
  if (json) io.out(JSON.stringify({ ...report, trust_source: source }, null, 2));
  else for (const line of describeBundle(report, file)) io.out(line);
  return !report.ok ? 1 : report.unproven.length ? 3 : 0;
}

function bundleKeyIds(text: string): string | undefined {
  try {
    const ids = (JSON.parse(text) as { public_keys?: Array<{ key_id?: string }> }).public_keys?.map((k) => k.key_id);
    return ids?.length ? ids.join(", ") : undefined;
  } catch {
    return undefined;
  }
}

function describeBundle(r: BundleReport, file: string): string[] {
  const lines = Object.keys(r.query).length ? [`bundle for ${Object.entries(r.query).map(([k, v]) => `${k}=${v}`).join(" ")}`] : [];
  for (const f of r.failures) lines.push(`✗ ${f.kind}${f.seq !== undefined ? ` (chain ${f.chain_id} seq ${f.seq})` : ""}: ${f.reason}`);
  for (const u of r.unproven) lines.push(`! unproven: event ${u.id} (chain ${u.chain_id} seq ${u.seq}): ${u.reason}`);
  for (const [chain, by] of Object.entries(r.cosigned_by)) if (by.length) lines.push(`chain ${chain}: cosigned by ${by.join(", ")}`);
  lines.push(r.ok ? `✓ ${file}: ${r.verified} of ${plural(r.events, "event")} verified against signed checkpoints` : `✗ ${file}: ${plural(r.failures.length, "failure")}; ${r.verified} of ${plural(r.events, "event")} verified`);
  return lines;
}
