/**
 * One updating line on stderr for long commands ("verify: 1,200,000 events read…"), cleared when
 * the command ends. Only for a person watching: never when stderr is not a terminal, and never
 * with --json, so piped and machine-readable output stay exactly what the command prints.
 */

export interface Progress {
  /** The count so far; the line is redrawn at most every `everyMs`. */
  update(events: number): void;
  /** Erases the line (call it in finally). */
  done(): void;
}

const SILENT: Progress = { update: () => {}, done: () => {} };

export function progressLine(label: string, options: { json: boolean; stream?: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown }; everyMs?: number; now?: () => number }): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.json || !stream.isTTY) return SILENT;
  const every = options.everyMs ?? 100;
  const now = options.now ?? Date.now;
  let last = -Infinity;
  let shown = false;
  return {
    update(events) {
      const t = now();
      if (t - last < every) return;
      last = t;
      shown = true;
      stream.write(`\r\x1b[K${label}: ${events.toLocaleString("en-US")} ${events === 1 ? "event" : "events"} read…`);
    },
    done() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}
