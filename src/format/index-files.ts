/**
 * The columnar index's place on disk (`.index/` inside the trail directory) and dropping its
 * parts. It lives here, below integrity, because erasure and purge must drop the parts of the
 * segments they change in the same operation, and they may not import the index engine above them.
 *
 * `.index/manifest.json` names, per compacted segment, the segment's size and mtime when it was
 * compacted and its part file (`<segment>.parquet`), beside which `<segment>.<kind>.parquet` roll it
 * up (sessions, facts, durations, users). Everything here is derived data: deleting the
 * folder loses nothing, and `verify` never reads it.
 */
import { existsSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { replaceFileSync } from "./replace-file.js";

export const INDEX_DIR = ".index";
export const indexDir = (dir: string) => join(dir, INDEX_DIR);
export const manifestFile = (dir: string) => join(indexDir(dir), "manifest.json");
export const partFile = (dir: string, segment: string) => join(indexDir(dir), `${basename(segment)}.parquet`);
/** The part's rollups (index/rollups.ts); `sessions` holds user ids and first inputs, so they go with it. */
export const ROLLUP_KINDS = ["sessions", "facts", "durations", "users"] as const;
export type RollupKind = (typeof ROLLUP_KINDS)[number];
export const rollupFile = (dir: string, segment: string, kind: RollupKind) => join(indexDir(dir), `${basename(segment)}.${kind}.parquet`);

export interface IndexedSegment {
  /** The segment's size and mtime when compacted: any change means its part is stale. */
  size: number;
  mtimeMs: number;
  rows: number;
  /** Lines that are not events (a torn line), so readers of the index still report them. */
  bad?: Array<{ line: number; reason: string }>;
}

/** Bumped whenever the parts' or rollups' columns change: a manifest of another version is rebuilt. */
export const INDEX_VERSION = 5;

export interface IndexManifest {
  version: typeof INDEX_VERSION;
  segments: Record<string, IndexedSegment>;
}

/** The manifest, or an empty one when it is missing or unreadable (then everything is re-indexed). */
export function readManifest(dir: string): IndexManifest {
  try {
    const m = JSON.parse(readFileSync(manifestFile(dir), "utf8")) as IndexManifest;
    if (m && m.version === INDEX_VERSION && m.segments && typeof m.segments === "object") return m;
  } catch {
    // missing or corrupt: an empty manifest re-indexes from the segments
  }
  return { version: INDEX_VERSION, segments: {} };
}

export function writeManifest(dir: string, manifest: IndexManifest): void {
  replaceFileSync(manifestFile(dir), JSON.stringify(manifest));
}

/**
 * Forgets the parts of these segments (names or paths): their files are removed first, then the
 * manifest entries, so a crash in between leaves entries whose part is missing, which readers
 * treat as not indexed. Erasure and purge call this, so erased or purged content never outlives
 * them in the index.
 */
export function dropIndexParts(dir: string, segments: readonly string[]): void {
  if (!existsSync(indexDir(dir)) || segments.length === 0) return;
  for (const s of segments) {
    for (const file of [...ROLLUP_KINDS.map((k) => rollupFile(dir, s, k)), partFile(dir, s)]) {
      try {
        unlinkSync(file);
      } catch {
        // never compacted
      }
    }
  }
  const m = readManifest(dir);
  let changed = false;
  for (const s of segments) {
    if (basename(s) in m.segments) {
      delete m.segments[basename(s)];
      changed = true;
    }
  }
  if (changed) writeManifest(dir, m);
}

/** Removes the whole index (`index --rebuild` starts from nothing). */
export function dropIndex(dir: string): void {
  rmSync(indexDir(dir), { recursive: true, force: true });
}
