/**
 * The trail's own records: events it seals about itself, that `verify` reads. They are `custom`
 * events with these names, hold no personal data, and are never encrypted at rest, so `verify`
 * reads them without a key.
 *
 * - `trail.gap`: a local sink gave up events it could not write (a full disk for longer than its
 *   memory could hold). Declares the exact range, so `verify` reports a declared gap, not deletion.
 *   data: { sink, first_seq, last_seq, count, last_hash, first_ts, last_ts, reason }
 * - `trail.recovery`: a later writer acknowledges the torn last line a crashed writer left.
 *   data: { chain_id, file, offset, length, sha256, reason }
 */
export const GAP_RECORD = "trail.gap";
export const RECOVERY_RECORD = "trail.recovery";

export interface GapData {
  sink: string;
  first_seq: number;
  last_seq: number;
  count: number;
  last_hash?: string;
}

export interface RecoveryData {
  /** The chain whose segment ends in the torn line. */
  chain_id: string;
  /** Its segment file name, inside the trail directory. */
  file: string;
  /** Where the torn bytes start, and how many there are (the newline added after them excluded). */
  offset: number;
  length: number;
  /** SHA-256 (hex) of exactly those bytes. */
  sha256: string;
}
