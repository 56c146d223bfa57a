/**
 * What `verifyTrail` (and `verifyPostgres`) report: the findings they name (problems are tampering,
 * warnings are what a crash can leave), what they accept as legitimate (erasures, declared gaps,
 * recoveries), per chain. Where the trail is a file, findings name file and line; in PostgreSQL,
 * the table (as `file`) and the row's event `id`.
 */
import type { KeyObject } from "node:crypto";
import type { RecoveryData } from "./records.js";
import type { TrustSource } from "./trust.js";

export type ProblemKind = "corrupt_line" | "modified" | "deleted" | "inserted" | "broken_link" | "truncated" | "replaced" | "forged_checkpoint" | "forged_erasure" | "unsigned" | "untrusted_key" | "unsealed" | "deleted_chain" | "fork" | "inconsistent";
/** Findings a crash can explain, reported so an operator acknowledges them (`agent-audit repair`). */
export type WarningKind = "torn_tail" | "unsealed";

export interface VerifyProblem {
  kind: ProblemKind;
  chain_id: string;
  file?: string;
  line?: number;
  /** The event's id: where a store has rows, not lines (PostgreSQL). */
  id?: string;
  seq?: number;
  detail: string;
}

export interface VerifyWarning {
  kind: WarningKind;
  chain_id: string;
  file?: string;
  line?: number;
  seq?: number;
  /** torn_tail: the torn bytes, where they start, how many, their SHA-256 (what `repair` acknowledges). */
  offset?: number;
  length?: number;
  sha256?: string;
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

/** A range of events a local sink had to give up (a full disk), declared by a sealed trail.gap record. */
export interface DeclaredGap {
  chain_id: string;
  first_seq: number;
  last_seq: number;
  count: number;
  sink: string;
  /** The seq of the trail.gap record that declared it. */
  declared_at: number;
  reason?: string;
}

/** A crash-torn last line acknowledged by a later writer's sealed trail.recovery record. */
export interface Recovery extends RecoveryData {
  /** The chain and seq of the acknowledging record. */
  by_chain: string;
  by_seq: number;
}

export interface VerifyReport {
  /** No tampering found (warnings such as an unacknowledged torn tail may remain). */
  ok: boolean;
  problems: VerifyProblem[];
  warnings: VerifyWarning[];
  chains: ChainReport[];
  /** `line` in a trail directory; `id` (the event's) in PostgreSQL, where `file` is the table. */
  erasures: Array<{ chain_id: string; seq: number; file: string; line?: number; id?: string; at: string; by: string; reason?: string }>;
  gaps: DeclaredGap[];
  recoveries: Recovery[];
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** A trusted key was available: from the caller, the environment or the key store, never the trail. */
  publicKeyTrusted: boolean;
  /** Where the trusted keys came from. */
  trust_source: TrustSource | undefined;
  /** Set when the store verified was not a trail directory: PostgreSQL keeps no signed checkpoints. */
  store?: { kind: "postgres"; table: string };
}

/** What one chain's pass leaves for the whole-directory decisions made at the end. */
export interface ChainFindings {
  /** The chain's last line did not parse: a torn tail, or an acknowledged one. */
  unreadableTail?: { file: string; line: number };
  /** trail.recovery records this chain sealed, with their seq. */
  recoveries: Array<{ seq: number; data: RecoveryData }>;
}

export interface VerifyOptions {
  /** The key you trust; else AGENT_AUDIT_PUBLIC_KEY, else the local key store. Never the trail's own copy. */
  publicKey?: KeyObject | string;
  /**
   * A chain whose last events are newer than its last signed checkpoint by more than this is
   * `unsealed` (default 150 s: two of the writer's 60 s checkpoint intervals plus 30 s of slack;
   * checkpoints that carry the writer's own interval override it).
   */
  sealIntervalMs?: number;
  /** The writers' `integrity.checkpointEvery` (default 1,000): more events unsigned is `unsealed`. */
  checkpointEvery?: number;
  /**
   * A witness directory (`integrity.witness` of the writers): its signed checkpoints are held to
   * the trail too, so truncation, rollback, a deleted chain or a fork shows against them.
   */
  /**
   * An ML-DSA-44 public key (1312 bytes, or its base64) the verifier trusts: every checkpoint note
   * must then also carry a valid post-quantum signature by it.
   */
  mlDsaPublicKey?: Uint8Array | string;
  witness?: string;
  /**
   * What an HTTP witness holds per chain (its latest cosigned tree head, as a C2SP note): the
   * trail must reach that size and have that root there.
   */
  witnessedHeads?: ReadonlyMap<string, { size: number; root: string; note: string }>;
  /** Called with the number of events read so far, every 4,096 events (a progress line). */
  onProgress?: (events: number) => void;
}
