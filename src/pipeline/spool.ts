/**
 * The durable spool's side of delivery: dead letters, and taking over a dead writer's chain for
 * one sink. Cursors, segment names and reading from a cursor are the trail's on-disk format
 * (`format/trail-format.ts`, `format/cursor-reader.ts`), shared with the writer and the stores.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { appendLineWhole } from "../format/append.js";
import { deadLetterFile, sinkDir } from "../format/trail-format.js";
import { takeLock } from "../format/process-lock.js";

export async function appendDeadLetters(dir: string, sink: string, entries: ReadonlyArray<{ event: AuditEvent; reason: string }>): Promise<void> {
  const at = new Date().toISOString();
  const text = entries.map((e) => JSON.stringify({ dead_lettered_at: at, sink, reason: e.reason, event: e.event })).join("\n") + "\n";
  appendLineWhole(deadLetterFile(dir, sink), text);
}

/**
 * Takes the right to deliver a dead chain to one sink (a lock file created whole); a lock left
 * by a process that died, or whose pid now belongs to another process, is taken over. Returns a release function, or undefined if someone holds it.
 */
export function adoptChain(dir: string, sink: string, chainId: string): (() => void) | undefined {
  try {
    mkdirSync(sinkDir(dir, sink), { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  return takeLock(join(sinkDir(dir, sink), `${chainId}.adopt`));
}

