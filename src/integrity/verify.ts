/**
 * `verifyTrail(dir, { publicKey, witness })`: checks every chain in a trail directory and names,
 * with file and line, every modified event (content or envelope), deleted event (seq gap),
 * inserted or reordered event, corrupt line, truncated tail (a signed checkpoint beyond the data),
 * replaced chain (a checkpoint hash or Merkle root the data no longer has), forged checkpoint or
 * erasure, events no signed checkpoint covers (`unsealed`), and, against a witness, deleted chains
 * and forks. Signatures are checked only with keys from outside the trail (trust.ts). Erasures
 * under a signed record, retention purges, gaps declared by a sealed trail.gap record (a full disk)
 * and crash-torn tails acknowledged by a signed trail.recovery record are legitimate and reported as
 * such; what a crash can leave (a torn tail, a short unsigned tail) is a warning. Streams the files.
 */
import type { KeyObject } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { lineBlocks, splitLines } from "../format/line-reader.js";
import type { AuditEvent } from "../events/schema.js";
import { SEGMENT_PATTERN } from "../format/trail-format.js";
import { checkpointOrigin, checkpointValid, readCheckpoints, readWitness, type Checkpoint } from "./checkpoints.js";
import { openNote } from "./signed-note.js";
import { mlDsaProblem, parseMlDsaPublicKey } from "./ml-dsa.js";
import { erasureProblem, noteProblem } from "./record-checks.js";
import type { ChainFindings, ChainReport, VerifyOptions, VerifyProblem, VerifyReport } from "./verify-report.js";
export type { ChainReport, DeclaredGap, ProblemKind, Recovery, VerifyOptions, VerifyProblem, VerifyReport, VerifyWarning, WarningKind } from "./verify-report.js";
import { eventLeafBin, MerkleFrontier, verifyConsistency } from "./merkle.js";
import { pinnedKeyId, trustedKeysFor } from "./trust.js";
import { contentHash, envelopeHash, GENESIS } from "./seal.js";
import type { ErasureRecord } from "./erasure-records.js";
import { GAP_RECORD, RECOVERY_RECORD, type GapData, type RecoveryData } from "./records.js";
import { lastLine } from "./recovery.js";

const HOW_TO_TRUST = "pass --public-key <key.pem> (the writer's public key, from a copy you keep elsewhere), set AGENT_AUDIT_PUBLIC_KEY, or pin this trail's key with `agent-audit trust add <dir|key.pem>` after checking it out of band";

export async function verifyTrail(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  let { keys, source } = trustedKeysFor(options.publicKey);
  const report: VerifyReport = { ok: true, problems: [], warnings: [], chains: [], erasures: [], gaps: [], recoveries: [], events: 0, seconds: 0, eventsPerSecond: 0, publicKeyTrusted: keys.size > 0, trust_source: source };
  // A directory pinned to one key (trust add <dir>) is checked against that key only.
  const pinned = source === "key store" ? pinnedKeyId(dir) : undefined;
  if (pinned) keys = keys.has(pinned) ? new Map([[pinned, keys.get(pinned)!]]) : new Map();
  if (keys.size === 0) report.problems.push({ kind: "untrusted_key", chain_id: "*", detail: `no trusted public key to check the signatures with: ${HOW_TO_TRUST}` });
  const witnessed = options.witness ? readWitness(options.witness) : new Map<string, Array<Checkpoint | { bad: string; line: number }>>();
  // A writer's timer can leave events unsigned for up to about two intervals (a tick skipped after
  // a count-triggered checkpoint), so the default allows two 60 s intervals and 30 s of slack.
  const context: ChainContext = { keys, pinned, sealIntervalMs: options.sealIntervalMs ?? 150_000, checkpointEvery: options.checkpointEvery ?? 1000, witnessed, heads: options.witnessedHeads ?? new Map(), mlDsa: typeof options.mlDsaPublicKey === "string" ? parseMlDsaPublicKey(options.mlDsaPublicKey) : options.mlDsaPublicKey, onProgress: options.onProgress };
  const segments = existsSync(dir) ? readdirSync(dir).filter((n) => SEGMENT_PATTERN.test(n)).sort() : [];
  const byChain = new Map<string, string[]>();
  for (const s of segments) {
    const chain = s.slice(11, 47);
    byChain.set(chain, [...(byChain.get(chain) ?? []), s]);
  }
  // Chains that only have checkpoints left (everything purged, or everything deleted).
  const digests = join(dir, ".digests");
  if (existsSync(digests)) for (const f of readdirSync(digests)) if (f.endsWith(".jsonl") && !byChain.has(f.slice(0, 36))) byChain.set(f.slice(0, 36), []);
  // Chains only the witness remembers: deleted from the trail, segments and checkpoints alike.
  for (const chain of witnessed.keys()) if (!byChain.has(chain)) byChain.set(chain, []);
  const findings = new Map<string, ChainFindings>();
  for (const [chain, files] of byChain) {
    const found: ChainFindings = { recoveries: [] };
    report.chains.push(await verifyChain(dir, chain, files, context, report, found));
    findings.set(chain, found);
  }
  judgeTails(dir, report, findings);
  report.ok = report.problems.length === 0;
  report.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  report.eventsPerSecond = report.events / Math.max(report.seconds, 1e-9);
  return report;
}

/**
 * A chain's unreadable last line is a crash's torn tail unless something says otherwise: it is
 * acknowledged when a trail.recovery record names exactly its bytes and that record is covered by
 * a valid signed checkpoint (an attacker who cut a line short cannot sign an acknowledgment).
 * A last line that ends in a newline nobody acknowledged was not left by a crash: corrupt.
 */
function judgeTails(dir: string, report: VerifyReport, findings: Map<string, ChainFindings>): void {
  const signedTo = new Map(report.chains.map((c) => [c.chain_id, c.verified_to?.seq ?? 0]));
  const acks = [...findings].flatMap(([chain, f]) => f.recoveries.filter((r) => r.seq <= (signedTo.get(chain) ?? 0)).map((r) => ({ ...r.data, by_chain: chain, by_seq: r.seq })));
  for (const [chain, f] of findings) {
    if (!f.unreadableTail) continue;
    const { file, line } = f.unreadableTail;
    const tail = lastLine(join(dir, file));
    if (!tail) continue;
    const ack = acks.find((a) => a.chain_id === chain && a.file === file && a.offset === tail.offset && a.length === tail.length && a.sha256 === tail.sha256);
    if (ack) report.recoveries.push(ack);
    else if (!tail.terminated) {
      report.warnings.push({ kind: "torn_tail", chain_id: chain, file, line, offset: tail.offset, length: tail.length, sha256: tail.sha256, detail: "the last line is incomplete: its writer stopped in the middle of writing it (a crash or kill). Not tampering; acknowledge it with `agent-audit repair`" });
    } else {
      report.problems.push({ kind: "corrupt_line", chain_id: chain, file, line, detail: "the last line is not a readable event and no signed trail.recovery record acknowledges it" });
    }
  }
}

/**
 * Events no signed checkpoint covers. An honest writer signs at least every `checkpointEvery`
 * events and every interval, so more than that is tampering (the newest checkpoints were removed):
 * `unsealed` as a problem. Fewer, within one interval, is what a writer killed before its next
 * checkpoint leaves: a warning, settled by the next trail on the directory or `agent-audit repair`
 * (which sign what they find). Only a witness can tell how much more there was.
 */
function judgeSeal(chain: string, newestSeq: number, first: { seq: number; ts: string }, last: { seq: number; ts: string }, count: number, context: ChainContext, report: VerifyReport): void {
  const span = Date.parse(last.ts) - Date.parse(first.ts);
  const what = newestSeq ? `events ${first.seq}–${last.seq} after the last signed checkpoint (seq ${newestSeq})` : `events ${first.seq}–${last.seq}, and no signed checkpoint at all`;
  if (span > context.sealIntervalMs || count > context.checkpointEvery) {
    report.problems.push({ kind: "unsealed", chain_id: chain, seq: last.seq, detail: `${what}: ${count} event(s) over ${Math.round(span / 1000)} s, more than a writer goes without signing; its newest checkpoints were removed` });
  } else {
    report.warnings.push({ kind: "unsealed", chain_id: chain, seq: last.seq, detail: `${what}: its writer stopped before signing them (a crash), or their checkpoint was removed. Run agent-audit repair to seal what is there` });
  }
}

/**
 * Each checkpoint carries a consistency proof from the one before it: checked pair by pair, the
 * signed tree heads form one append-only history even where old segments are purged or not read.
 * A proof that fails means the key signed two histories (a fork), or the proof was tampered with.
 */
function consistencyProblems(checkpoints: readonly Checkpoint[], problem: (p: Omit<VerifyProblem, "chain_id">) => void): void {
  const bySize = new Map(checkpoints.filter((c) => c.root && c.tree_size !== undefined).map((c) => [c.tree_size!, c]));
  for (const cp of checkpoints) {
    if (!cp.consistency || !cp.root || cp.tree_size === undefined) continue;
    const before = bySize.get(cp.consistency.from);
    if (!before) continue; // nothing left to prove it against (a purge, or a deleted checkpoint: caught elsewhere)
    const proof = cp.consistency.proof.map((h) => Buffer.from(h, "base64"));
    if (!verifyConsistency(before.tree_size!, cp.tree_size, Buffer.from(before.root!, "base64"), Buffer.from(cp.root, "base64"), proof)) {
      problem({ kind: "inconsistent", seq: cp.seq, detail: `the signed tree at size ${cp.tree_size} is not an extension of the signed tree at size ${before.tree_size}: the history was rewritten between them` });
    }
  }
}

function headSigned(head: { note: string; size: number; root: string }, chain: string, keys: ReadonlyMap<string, KeyObject>): boolean {
  const origin = checkpointOrigin(chain);
  try {
    const { text } = openNote(head.note, [...keys.values()].map((publicKey) => ({ name: origin, publicKey })));
    return text === `${origin}\n${head.size}\n${head.root}\n`;
  } catch {
    return false;
  }
}

interface ChainContext {
  keys: ReadonlyMap<string, KeyObject>;
  pinned: string | undefined;
  sealIntervalMs: number;
  checkpointEvery: number;
  witnessed: ReadonlyMap<string, ReadonlyArray<Checkpoint | { bad: string; line: number }>>;
  heads: NonNullable<VerifyOptions["witnessedHeads"]>;
  mlDsa: Uint8Array | undefined;
  onProgress: ((events: number) => void) | undefined;
}

async function verifyChain(dir: string, chain: string, files: string[], context: ChainContext, report: VerifyReport, found: ChainFindings): Promise<ChainReport> {
  const problem = (p: Omit<VerifyProblem, "chain_id">) => report.problems.push({ chain_id: chain, ...p });
  const checkpoints: Checkpoint[] = [];
  // seq → the signed erasure record of this chain that covers it (and the content_hash it names).
  const signedErasures = new Map<number, { content_hash: string; record: ErasureRecord }>();
  const untrusted = new Set<string>();
  for (const cp of readCheckpoints(dir, chain)) {
    const erasure = (cp as unknown as { type?: string }).type === "erasure" ? (cp as unknown as ErasureRecord) : undefined;
    const publicKey = "bad" in cp ? undefined : context.keys.get(cp.key_id);
    if ("bad" in cp) problem({ kind: "forged_checkpoint", file: `.digests/${chain}.jsonl`, line: cp.line, detail: "a checkpoint line is not valid JSON" });
    else if (cp.chain_id !== chain || (cp.purged ?? []).some((p) => !p.segment.includes(chain))) {
      // A genuine record of another chain, planted here (a purge record would hide a deleted chain).
      problem({ kind: "forged_checkpoint", seq: cp.seq, file: `.digests/${chain}.jsonl`, detail: `a signed record of chain ${cp.chain_id} (or naming its segments) sits in this chain's digest file` });
    }
    else if (!publicKey) {
      if (context.keys.size && !untrusted.has(cp.key_id)) {
        untrusted.add(cp.key_id);
        const why = context.pinned ? `this trail was pinned to key ${context.pinned}, but its records are signed by key ${cp.key_id}: the trail's key changed (a new writer key, or a replaced trail). If the change is expected, ${HOW_TO_TRUST}` : `records are signed by key ${cp.key_id}, which is not trusted here: ${HOW_TO_TRUST}`;
        problem({ kind: "untrusted_key", file: `.digests/${chain}.jsonl`, detail: why });
      }
    } else if (!checkpointValid(publicKey, cp)) {
      if (erasure) problem({ kind: "forged_erasure", file: `.digests/${chain}.jsonl`, detail: "an erasure record has a bad signature" });
      else problem({ kind: "forged_checkpoint", seq: cp.seq, file: `.digests/${chain}.jsonl`, detail: `checkpoint at seq ${cp.seq} has a bad signature` });
    } else if (erasure) {
      for (const ev of erasure.events ?? []) signedErasures.set(ev.seq, { content_hash: ev.content_hash, record: erasure });
    } else {
      const bad = noteProblem(cp, chain, publicKey) ?? (context.mlDsa && cp.note && cp.root && cp.tree_size !== undefined ? mlDsaProblem(cp.note, checkpointOrigin(chain), cp.tree_size, cp.root, context.mlDsa) : undefined);
      if (bad) problem({ kind: "forged_checkpoint", seq: cp.seq, file: `.digests/${chain}.jsonl`, detail: bad });
      else checkpoints.push(cp);
    }
  }
  // The witness's copies count like the trail's own, and must agree with them.
  for (const cp of context.witnessed.get(chain) ?? []) {
    if ("bad" in cp) continue;
    if (cp.chain_id !== chain || (cp.purged ?? []).some((p) => !p.segment.includes(chain))) {
      problem({ kind: "forged_checkpoint", seq: cp.seq, detail: `the witness file of this chain holds a record of chain ${cp.chain_id}` });
      continue;
    }
    const key = context.keys.get(cp.key_id);
    if (!key) continue;
    const badNote = checkpointValid(key, cp) ? noteProblem(cp, chain, key) : "a bad signature";
    if (badNote) {
      problem({ kind: "forged_checkpoint", seq: cp.seq, detail: `the witness holds a checkpoint at seq ${cp.seq} with ${badNote}` });
      continue;
    }
    const same = checkpoints.find((c) => c.seq === cp.seq && !c.purged);
    if (same && (same.hash !== cp.hash || (same.root !== undefined && cp.root !== undefined && same.root !== cp.root))) problem({ kind: "fork", seq: cp.seq, detail: `two different signed tree heads for seq ${cp.seq}: the trail's checkpoint and the witness's disagree (the history was rewritten and re-signed)` });
    else if (!same) checkpoints.push(cp);
  }
  consistencyProblems(checkpoints, problem);
  // An HTTP witness's tree head counts only if a trusted key signed its note for this chain.
  let head = context.heads.get(chain);
  if (head && !headSigned(head, chain, context.keys)) {
    problem({ kind: "forged_checkpoint", seq: head.size, detail: `the witness holds a tree head of size ${head.size} for this chain that no trusted key signed` });
    head = undefined;
  }
  const purged = checkpoints.flatMap((c) => c.purged ?? []);
  const lastPurged = purged.reduce<{ last_seq: number; last_hash: string } | undefined>((a, p) => (!a || p.last_seq > a.last_seq ? p : a), undefined);
  const wanted = new Map(checkpoints.filter((c) => !c.purged).map((c) => [c.seq, c]));
  const chainReport: ChainReport = { chain_id: chain, events: 0, first_seq: undefined, last_seq: undefined, checkpoints: checkpoints.length, verified_to: undefined, erased: 0, purged: purged.map(({ segment, first_seq, last_seq }) => ({ segment, first_seq, last_seq })) };
  // Seq gaps are judged at the end: a trail.gap record later in the chain may declare them.
  const missing: Array<{ first: number; last: number; file: string; line: number; nextPrevHash: string | undefined }> = [];
  const declared: Array<{ seq: number; data: GapData & { reason?: string } }> = [];

  let lastEvent: { seq: number; ts: string } | undefined;
  let tree: MerkleFrontier | undefined = lastPurged ? undefined : new MerkleFrontier();
  // Events after the newest signed checkpoint, for the unsealed check.
  let firstUncovered: { seq: number; ts: string } | undefined;
  let uncoveredCount = 0;
  const newestSeq = checkpoints.filter((c) => !c.purged).reduce((m, c) => Math.max(m, c.seq), 0);
  let expected = lastPurged ? lastPurged.last_seq + 1 : 1;
  let prev = lastPurged ? lastPurged.last_hash : GENESIS;
  for (let f = 0; f < files.length; f++) {
    const file = files[f]!;
    let n = 0;
    let pendingBad: { line: number } | undefined;
    for await (const block of lineBlocks(join(dir, file)))
    for (const bytes of splitLines(block)) {
      n++;
      const text = bytes.toString("utf8");
      if (!text.trim()) continue;
      if (pendingBad) {
        problem({ kind: "corrupt_line", file, line: pendingBad.line, detail: "not a readable event" });
        pendingBad = undefined;
      }
      let e: AuditEvent;
      try {
        e = JSON.parse(text) as AuditEvent;
      } catch {
        pendingBad = { line: n }; // a torn last line if nothing follows it
        continue;
      }
      report.events++;
      chainReport.events++;
      if (report.events % 4096 === 0) context.onProgress?.(report.events); // cheap enough per event
      chainReport.first_seq ??= e.seq;
      if (e.seq > expected) missing.push({ first: expected, last: e.seq - 1, file, line: n, nextPrevHash: e.prev_hash });
      else if (e.seq < expected) problem({ kind: "inserted", file, line: n, seq: e.seq, detail: `seq ${e.seq} after ${expected - 1}: inserted, duplicated or reordered` });
      if (e.erased) {
        const forged = erasureProblem(e, signedErasures);
        if (forged) problem({ kind: "forged_erasure", file, line: n, seq: e.seq, detail: forged });
        else {
          chainReport.erased++;
          // Who, when and why come from the signed record, never from the tombstone.
          const { record } = signedErasures.get(e.seq)!;
          report.erasures.push({ chain_id: chain, seq: e.seq, file, line: n, at: record.at, by: record.by, reason: record.reason });
        }
      } else if (!e.salt || !e.content_hash || contentHash(e.salt, e) !== e.content_hash) {
        problem({ kind: "modified", file, line: n, seq: e.seq, detail: "content does not match its content_hash" });
      } else if (e.type === "custom" && e.name === GAP_RECORD) {
        declared.push({ seq: e.seq, data: e.data as unknown as GapData });
      } else if (e.type === "custom" && e.name === RECOVERY_RECORD) {
        found.recoveries.push({ seq: e.seq, data: e.data as unknown as RecoveryData });
      }
      if (!e.hash || envelopeHash(e) !== e.hash) problem({ kind: "modified", file, line: n, seq: e.seq, detail: "envelope does not match its hash" });
      else if (e.seq === expected && e.prev_hash !== prev) problem({ kind: "broken_link", file, line: n, seq: e.seq, detail: "prev_hash does not match the previous event" });
      // The chain's Merkle tree, rebuilt while streaming, as long as it is read from seq 1 without gaps.
      if (tree && e.seq === tree.size + 1 && e.hash) tree.push(eventLeafBin(e.hash));
      else tree = undefined;
      if (head && tree && tree.size === head.size && tree.root().toString("base64") !== head.root) problem({ kind: "fork", file, line: n, seq: e.seq, detail: `the witness cosigned another root for size ${head.size}: the history was rewritten and re-signed` });
      const cp = wanted.get(e.seq);
      if (cp) {
        if (cp.hash !== e.hash) problem({ kind: "replaced", file, line: n, seq: e.seq, detail: `the signed checkpoint at seq ${e.seq} has a different hash: the chain was rewritten` });
        else if (cp.root && tree && tree.size === cp.seq && tree.root().toString("base64") !== cp.root) problem({ kind: "replaced", file, line: n, seq: e.seq, detail: `the Merkle root signed at size ${cp.seq} is not the root of the chain's events: the chain was rewritten` });
        else if (!chainReport.verified_to || cp.seq > chainReport.verified_to.seq) chainReport.verified_to = { seq: cp.seq, ts: cp.ts };
      }
      prev = e.hash ?? prev;
      expected = Math.max(expected, e.seq + 1);
      lastEvent = { seq: e.seq, ts: e.ts };
      if (e.seq > newestSeq && !firstUncovered) firstUncovered = { seq: e.seq, ts: e.ts };
      if (e.seq > newestSeq) uncoveredCount++;
    }
    if (pendingBad) {
      if (f === files.length - 1) found.unreadableTail = { file, line: pendingBad.line };
      else problem({ kind: "corrupt_line", file, line: pendingBad.line, detail: "not a readable event" });
    }
  }
  for (const m of missing) {
    const d = declared.find((g) => g.data.first_seq === m.first && g.data.last_seq === m.last);
    if (d && d.data.last_hash === m.nextPrevHash && d.seq > m.last) {
      report.gaps.push({ chain_id: chain, first_seq: m.first, last_seq: m.last, count: m.last - m.first + 1, sink: String(d.data.sink), declared_at: d.seq, reason: d.data.reason });
    } else {
      problem({ kind: "deleted", file: m.file, line: m.line, seq: m.last + 1, detail: `events ${m.first}–${m.last} are missing` });
    }
  }
  chainReport.last_seq = expected - 1 >= (chainReport.first_seq ?? expected) ? expected - 1 : undefined;
  const maxCp = Math.max(head?.size ?? 0, checkpoints.filter((c) => !c.purged).reduce((m, c) => Math.max(m, c.seq), 0));
  if (maxCp > expected - 1) {
    if (files.length === 0 && !purged.length) problem({ kind: "deleted_chain", seq: maxCp, detail: `a signed checkpoint covers seq ${maxCp} of this chain, but none of its segments is left: the chain was deleted` });
    else problem({ kind: "truncated", seq: maxCp, detail: `a signed checkpoint covers seq ${maxCp} but the data ends at ${expected - 1} (the tail was cut, or the trail rolled back)` });
  }
  // Events no signed checkpoint covers, for longer than a writer waits between checkpoints: the
  // newest checkpoints were removed (or never written). Only signed state outside the trail (a
  // witness) can tell how much more was there.
  if (context.keys.size && lastEvent && firstUncovered) {
    // The writer signed its own cadence into its checkpoints: hold its tail to that, not to ours.
    const newest = checkpoints.filter((c) => !c.purged && !c.sealed_by).reduce<Checkpoint | undefined>((a, c) => (!a || c.seq > a.seq ? c : a), undefined);
    const cadence = { ...context, ...(newest?.every ? { checkpointEvery: newest.every } : {}), ...(newest?.interval_ms ? { sealIntervalMs: 2 * newest.interval_ms + 30_000 } : {}) };
    const closing = checkpoints.find((c) => c.final && c.seq === newestSeq);
    if (closing) problem({ kind: "unsealed", seq: lastEvent.seq, detail: `events ${firstUncovered.seq}–${lastEvent.seq} follow the writer's final checkpoint (seq ${closing.seq}, its clean shutdown): they were added afterwards` });
    else judgeSeal(chain, newestSeq, firstUncovered, lastEvent, uncoveredCount, cadence, report);
  }
  return chainReport;
}
