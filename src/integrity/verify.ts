/**
 * `verifyTrail(dir, { publicKey })`: checks every chain in a trail directory and names, with file
 * and line, every modified event (content or envelope), deleted event (seq gap), inserted or
 * reordered event, torn or corrupt line, truncated tail (a signed checkpoint beyond the data),
 * replaced chain (a checkpoint whose hash the data no longer has) and forged checkpoint (bad
 * signature). Erasures and retention purges are legitimate and reported as such. Streams the files.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { createReadStream, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../sinks/jsonl.js";
import { checkpointValid, publicKeyFile, readCheckpoints, type Checkpoint } from "./checkpoints.js";
import { contentHash, envelopeHash, GENESIS } from "./seal.js";

export type ProblemKind = "corrupt-line" | "torn-line" | "modified" | "deleted" | "inserted" | "broken-link" | "truncated" | "replaced" | "forged-checkpoint" | "unsigned";

export interface VerifyProblem {
  kind: ProblemKind;
  chain_id: string;
  file?: string;
  line?: number;
  seq?: number;
  detail: string;
}

export interface ChainReport {
  chain_id: string;
  events: number;
  first_seq: number | undefined;
  last_seq: number | undefined;
  checkpoints: number;
  /** The last signed checkpoint the data was verified against. */
  verified_to: { seq: number; ts: string } | undefined;
  erased: number;
  purged: Array<{ segment: string; first_seq: number; last_seq: number }>;
}

export interface VerifyReport {
  ok: boolean;
  problems: VerifyProblem[];
  chains: ChainReport[];
  erasures: Array<{ chain_id: string; seq: number; file: string; line: number; at: string; by: string; reason?: string }>;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** false when the public key came from the trail directory itself rather than from the caller. */
  publicKeyTrusted: boolean;
}

export async function verifyTrail(dir: string, options: { publicKey?: KeyObject | string } = {}): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  let publicKey: KeyObject | undefined;
  let trusted = true;
  if (options.publicKey) publicKey = typeof options.publicKey === "string" ? createPublicKey(options.publicKey) : options.publicKey;
  else if (existsSync(publicKeyFile(dir))) {
    publicKey = createPublicKey(readFileSync(publicKeyFile(dir), "utf8"));
    trusted = false;
  }
  const report: VerifyReport = { ok: true, problems: [], chains: [], erasures: [], events: 0, seconds: 0, eventsPerSecond: 0, publicKeyTrusted: trusted };
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort() : [];
  const byChain = new Map<string, string[]>();
  for (const s of segments) {
    const chain = s.slice(11, 47);
    byChain.set(chain, [...(byChain.get(chain) ?? []), s]);
  }
  // Chains that only have checkpoints left (everything purged, or everything deleted).
  const digests = join(dir, ".digests");
  if (existsSync(digests)) for (const f of readdirSync(digests)) if (f.endsWith(".jsonl") && !byChain.has(f.slice(0, 36))) byChain.set(f.slice(0, 36), []);
  for (const [chain, files] of byChain) report.chains.push(await verifyChain(dir, chain, files, publicKey, report));
  report.ok = report.problems.length === 0;
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  report.eventsPerSecond = report.events / Math.max(report.seconds, 1e-9);
  return report;
}

async function verifyChain(dir: string, chain: string, files: string[], publicKey: KeyObject | undefined, report: VerifyReport): Promise<ChainReport> {
  const problem = (p: Omit<VerifyProblem, "chain_id">) => report.problems.push({ chain_id: chain, ...p });
  const checkpoints: Checkpoint[] = [];
  for (const cp of readCheckpoints(dir, chain)) {
    if ("bad" in cp) problem({ kind: "forged-checkpoint", file: `.digests/${chain}.jsonl`, line: cp.line, detail: "a checkpoint line is not valid JSON" });
    else if (!publicKey) problem({ kind: "unsigned", seq: cp.seq, detail: "no public key to check checkpoint signatures (pass --public-key)" });
    else if (!checkpointValid(publicKey, cp)) problem({ kind: "forged-checkpoint", seq: cp.seq, file: `.digests/${chain}.jsonl`, detail: `checkpoint at seq ${cp.seq} has a bad signature` });
    else checkpoints.push(cp);
  }
  const purged = checkpoints.flatMap((c) => c.purged ?? []);
  const lastPurged = purged.reduce<{ last_seq: number; last_hash: string } | undefined>((a, p) => (!a || p.last_seq > a.last_seq ? p : a), undefined);
  const wanted = new Map(checkpoints.filter((c) => !c.purged).map((c) => [c.seq, c]));
  const chainReport: ChainReport = { chain_id: chain, events: 0, first_seq: undefined, last_seq: undefined, checkpoints: checkpoints.length, verified_to: undefined, erased: 0, purged: purged.map(({ segment, first_seq, last_seq }) => ({ segment, first_seq, last_seq })) };

  let expected = lastPurged ? lastPurged.last_seq + 1 : 1;
  let prev = lastPurged ? lastPurged.last_hash : GENESIS;
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    const lines = createInterface({ input: createReadStream(join(dir, file), { encoding: "utf8" }), crlfDelay: Infinity });
    let n = 0;
    let pendingBad: { line: number } | undefined;
    for await (const text of lines) {
      n++;
      if (pendingBad) {
        problem({ kind: "corrupt-line", file, line: pendingBad.line, detail: "not a readable event" });
        pendingBad = undefined;
      }
      if (!text.trim()) continue;
      let e: AuditEvent;
      try {
        e = JSON.parse(text) as AuditEvent;
      } catch {
        pendingBad = { line: n }; // a torn last line if nothing follows it
        continue;
      }
      report.events++;
      chainReport.events++;
      chainReport.first_seq ??= e.seq;
      if (e.seq > expected) problem({ kind: "deleted", file, line: n, seq: e.seq, detail: `events ${expected}–${e.seq - 1} are missing` });
      else if (e.seq < expected) problem({ kind: "inserted", file, line: n, seq: e.seq, detail: `seq ${e.seq} after ${expected - 1}: inserted, duplicated or reordered` });
      if (e.erased) {
        chainReport.erased++;
        report.erasures.push({ chain_id: chain, seq: e.seq, file, line: n, at: e.erased.at, by: e.erased.by, reason: e.erased.reason });
      } else if (!e.salt || !e.content_hash || contentHash(e.salt, e) !== e.content_hash) {
        problem({ kind: "modified", file, line: n, seq: e.seq, detail: "content does not match its content_hash" });
      }
      if (!e.hash || envelopeHash(e) !== e.hash) problem({ kind: "modified", file, line: n, seq: e.seq, detail: "envelope does not match its hash" });
      else if (e.seq === expected && e.prev_hash !== prev) problem({ kind: "broken-link", file, line: n, seq: e.seq, detail: "prev_hash does not match the previous event" });
      const cp = wanted.get(e.seq);
      if (cp) {
        if (cp.hash !== e.hash) problem({ kind: "replaced", file, line: n, seq: e.seq, detail: `the signed checkpoint at seq ${e.seq} has a different hash: the chain was rewritten` });
        else if (!chainReport.verified_to || cp.seq > chainReport.verified_to.seq) chainReport.verified_to = { seq: cp.seq, ts: cp.ts };
      }
      prev = e.hash ?? prev;
      expected = Math.max(expected, e.seq + 1);
    }
    if (pendingBad) {
      const last = f === files.length - 1;
      problem({ kind: last ? "torn-line" : "corrupt-line", file, line: pendingBad.line, detail: last ? "the last line is incomplete (a crash mid-write, or truncation)" : "not a readable event" });
    }
  }
  chainReport.last_seq = expected - 1 >= (chainReport.first_seq ?? expected) ? expected - 1 : undefined;
  const maxCp = checkpoints.filter((c) => !c.purged).reduce((m, c) => Math.max(m, c.seq), 0);
  if (maxCp > expected - 1) problem({ kind: "truncated", seq: maxCp, detail: `a signed checkpoint covers seq ${maxCp} but the data ends at ${expected - 1}` });
  return chainReport;
}
