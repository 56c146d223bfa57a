/**
 * `agent-audit tail [-f]`: the latest events of a trail, then (with -f) new ones as they are
 * written, including segment files that appear later (a new day, a new process).
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import type { AuditEvent } from "../events/schema.js";
import { readTrail, type BadLine } from "../store/jsonl.js";
import { listSegments, parseLine } from "../format/trail-format.js";
import { formatEventLine } from "../sinks/console.js";

export interface TailOptions {
  dir: string;
  lines: number;
  follow: boolean;
  json: boolean;
  color: boolean;
  out: (line: string) => void;
  onBadLine?: (bad: BadLine) => void;
  /** How often to look for new lines when following (default 250 ms). */
  pollMs?: number;
  /** Stops following (tests, Ctrl-C handled by the process itself). */
  signal?: AbortSignal;
}

export async function tail(options: TailOptions): Promise<void> {
  const print = (e: AuditEvent) => options.out(options.json ? JSON.stringify(e) : formatEventLine(e, options.color, true));
  // Remember where each file ended before reading, so following starts exactly there.
  const offsets = new Map<string, number>();
  for (const file of listSegments(options.dir)) offsets.set(file, statSync(file).size);

  const last: AuditEvent[] = [];
  if (options.lines > 0) {
    for await (const e of readTrail(options.dir, { onBadLine: options.onBadLine })) {
      last.push(e);
      if (last.length > options.lines) last.shift();
    }
    last.sort((a, b) => (a.ts === b.ts ? a.seq - b.seq : a.ts < b.ts ? -1 : 1));
    for (const e of last) print(e);
  }
  if (!options.follow) return;

  const pollMs = options.pollMs ?? 250;
  const partial = new Map<string, string>();
  while (!options.signal?.aborted) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    for (const file of listSegments(options.dir)) {
      const from = offsets.get(file) ?? 0;
      const size = statSync(file).size;
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(file, "r");
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      offsets.set(file, size);
      // A line may be caught half-written: keep the unterminated rest for the next poll.
      const text = (partial.get(file) ?? "") + buf.toString("utf8");
      const cut = text.lastIndexOf("\n");
      partial.set(file, text.slice(cut + 1));
      for (const line of text.slice(0, cut + 1).split("\n")) {
        if (!line) continue;
        const parsed = parseLine(line);
        if ("event" in parsed) print(parsed.event);
        else options.onBadLine?.({ file, line: 0, reason: parsed.reason });
      }
    }
  }
}
