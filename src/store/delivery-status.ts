/**
 * Delivery status read from a trail directory: per remote sink, how far each writer chain has been
 * acknowledged (cursor lag, in events and bytes) and how many events were dead-lettered. This is
 * what `agent-audit status` prints; it reads the files only, so it works while agents run.
 */
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { backlogBytes, chainSegments, chainsWithCursor, deadLetterFile, deliveryDir, readCursor, writerAlive } from "../format/trail-format.js";

export interface ChainStatus {
  chain_id: string;
  /** A process is still writing it. */
  live: boolean;
  delivered: number;
  dead_lettered: number;
  dropped: number;
  /** Events written but not yet acknowledged by the sink. */
  lag_events: number;
  lag_bytes: number;
  updated: string;
}

export interface SinkStatus {
  sink: string;
  lag_events: number;
  dead_letters: number;
  chains: ChainStatus[];
}

export async function deliveryStatus(dir: string): Promise<SinkStatus[]> {
  const root = deliveryDir(dir);
  if (!existsSync(root)) return [];
  const sinks = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "writers")
    .map((d) => d.name)
    .sort();
  const out: SinkStatus[] = [];
  for (const sink of sinks) {
    const chains: ChainStatus[] = [];
    for (const chain of chainsWithCursor(dir, sink)) {
      const c = readCursor(dir, sink, chain);
      if (!c) continue;
      chains.push({
        chain_id: chain,
        live: writerAlive(dir, chain),
        delivered: c.delivered,
        dead_lettered: c.dead_lettered,
        dropped: c.dropped,
        lag_events: await linesAfter(dir, chain, c.segment, c.offset),
        lag_bytes: backlogBytes(dir, chain, c),
        updated: c.updated,
      });
    }
    out.push({ sink, lag_events: chains.reduce((n, c) => n + c.lag_events, 0), dead_letters: await countLines(deadLetterFile(dir, sink)), chains });
  }
  return out;
}

async function linesAfter(dir: string, chain: string, segment: string | undefined, offset: number): Promise<number> {
  let n = 0;
  for (const s of chainSegments(dir, chain)) {
    if (segment !== undefined && s < segment) continue;
    n += await countLines(join(dir, s), s === segment ? offset : 0);
  }
  return n;
}

async function countLines(file: string, start = 0): Promise<number> {
  if (!existsSync(file)) return 0;
  let n = 0;
  for await (const chunk of createReadStream(file, { start })) {
    for (const byte of chunk as Buffer) if (byte === 10) n++;
  }
  return n;
}
