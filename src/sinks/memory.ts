/** Keeps every event it receives, in order, in `.events`: for tests and for inspecting a run in code. */
import type { AuditEvent } from "../events/schema.js";
import { OK, type SendResult, type Sink } from "./types.js";

export interface MemorySink extends Sink {
  readonly events: AuditEvent[];
  /** Forgets the events received so far. */
  clear(): void;
}

export function memorySink(): MemorySink {
  const events: AuditEvent[] = [];
  return {
    name: "memory",
    kind: "local",
    events,
    send(batch: readonly AuditEvent[]): SendResult {
      for (const e of batch) events.push(e);
      return OK;
    },
    clear() {
      events.length = 0;
    },
  };
}
