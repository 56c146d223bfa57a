/** `agent-audit verify`: the hash chain and signed checkpoints of a trail, an S3 archive or a PostgreSQL store. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { segmentsByChain } from "../../evidence/select.js";
import { verifyTrail } from "../../integrity/verify.js";
import { endpointLabel } from "../../sinks/shared/endpoint.js";
import { storeKind } from "../../store/open.js";
import { verifyPostgres } from "../../store/postgres-verify.js";
import { downloadArchive } from "../../store/s3-archive.js";
import { fetchWitnessedHeads } from "../../witness/http-witness.js";
import { downloadS3Witness } from "../../witness/s3-witness.js";
import { progressLine } from "../progress.js";
import { describeVerify, verifyStatus } from "../verify-output.js";
import type { CommandContext } from "../context.js";

export async function verifyCommand({ values, rest, dir, io, reading }: CommandContext): Promise<number> {
  const publicKey = values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined;
  const target = rest[0] ?? values.store;
  if (target && storeKind(target) === "postgres") {
    const report = await verifyPostgres(target, { table: values.table, publicKey });
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of describeVerify(report, `${endpointLabel(target) ?? "postgres"} ${report.store?.table}`)) io.out(line);
    return verifyStatus(report);
  }
  if (values.store && storeKind(values.store) === "s3") {
    // An archive: download it into the local layout, verify that.
    const archive = await downloadArchive(values.store);
    try {
      const report = await verifyTrail(archive.dir, { publicKey });
      if (values.json) io.out(JSON.stringify({ ...report, objects: archive.objects, duplicates: archive.duplicates }, null, 2));
      else for (const line of describeVerify(report, values.store)) io.out(line);
      return verifyStatus(report);
    } finally {
      archive.cleanup();
    }
  }
  reading("verify");
  // A remote witness is fetched into a directory witness's layout first.
  const fetched = values.witness?.startsWith("s3://") ? await downloadS3Witness(values.witness) : undefined;
  const http = values.witness && /^https?:\/\//.test(values.witness) ? values.witness : undefined;
  try {
    const witnessedHeads = http ? await fetchWitnessedHeads(http, chainsIn(dir)) : undefined;
    const mlDsaPublicKey = values["ml-dsa-key"] ? readFileSync(values["ml-dsa-key"], "utf8") : undefined;
    const progress = progressLine("verify", { json: values.json });
    const report = await verifyTrail(dir, { publicKey, witness: http ? undefined : (fetched?.dir ?? values.witness), witnessedHeads, mlDsaPublicKey, onProgress: progress.update }).finally(() => progress.done());
    if (values.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of describeVerify(report, dir)) io.out(line);
    return verifyStatus(report);
  } finally {
    fetched?.cleanup();
  }
}

/** The chains a trail directory holds, by their segments or their digest files. */
function chainsIn(dir: string): string[] {
  const chains = new Set(segmentsByChain(dir).keys());
  const digests = join(dir, ".digests");
  if (existsSync(digests)) for (const f of readdirSync(digests)) if (/^[0-9a-f-]{36}\.jsonl$/.test(f)) chains.add(f.slice(0, 36));
  return [...chains];
}
