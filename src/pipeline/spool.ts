/**
 * The durable spool's side of delivery: dead letters, and taking over a dead writer's chain for
 * one sink. Cursors, segment names and reading from a cursor are the trail's on-disk format
 * (`format/trail-format.ts`, `format/cursor-reader.ts`), shared with the writer and the stores.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "../events/schema.js";
import { appendLineWhole } from "../format/append.js";
import { deadLetterFile, processAlive, sinkDir } from "../format/trail-format.js";

export async function appendDeadLetters(dir: string, sink: string, entries: ReadonlyArray<{ event: AuditEvent; reason: string }>): Promise<void> {
  const at = new Date().toISOString();
  const text = entries.map((e) => JSON.stringify({ dead_lettered_at: at, sink, reason: e.reason, event: e.event })).join("\n") + "\n";
  appendLineWhole(deadLetterFile(dir, sink), text);
}

/**
 * Takes the right to deliver a dead chain to one sink (exclusive create); a lock left by a
 * process that died is taken over. Returns a release function, or undefined if someone holds it.
 */
export function adoptChain(dir: string, sink: string, chainId: string): (() => void) | undefined {
  const file = join(sinkDir(dir, sink), `${chainId}.adopt`);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(file);
        } catch {
          // gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
      try {
        const holder = JSON.parse(readFileSync(file, "utf8")) as { pid: number; host: string };
        if (holder.host === hostname() && !processAlive(holder.pid)) unlinkSync(file);
        else return undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

