/** `agent-audit repair`: acknowledge dead writers' torn last lines and sign their unsigned tails. */
import { existsSync } from "node:fs";
import { createAuditTrail } from "../../capture/audit-trail.js";
import { jsonlSink } from "../../sinks/jsonl.js";
import { plural } from "../format.js";
import { UsageError, type CommandContext } from "../context.js";

export async function repairCommand({ values, dir, io, reading }: CommandContext): Promise<number> {
  if (!existsSync(dir)) throw new UsageError(`no trail at ${dir}`);
  reading("repair");
  // Opening a trail on the directory is what acknowledges dead writers' torn tails.
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], exitHandlers: false, integrity: values["key-file"] ? { keyFile: values["key-file"] } : undefined });
  const recovered = trail.recovered;
  const sealed = trail.sealedChains;
  await trail.shutdown();
  if (values.json) io.out(JSON.stringify({ recovered, sealed, chain_id: trail.chainId }, null, 2));
  else if (!recovered.length && !sealed.length) io.out(`Nothing to repair in ${dir}: no dead writer left a torn last line or unsigned events.`);
  else {
    for (const r of recovered) io.out(`acknowledged ${r.file}: ${plural(r.length, "torn byte")} at offset ${r.offset} (sha256 ${r.sha256}), chain ${r.chain_id}`);
    for (const c of sealed) io.out(`sealed chain ${c}: a signed checkpoint now covers the events its dead writer left unsigned`);
    if (recovered.length) io.out(`Sealed ${plural(recovered.length, "trail.recovery record")} in chain ${trail.chainId} under a signed checkpoint; verify no longer reports these as torn tails (run agent-audit verify for the rest).`);
  }
  return 0;
}
