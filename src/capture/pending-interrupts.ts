/**
 * Which trace of a conversation is waiting on a human. A LangGraph `interrupt()` ends the run;
 * the resume (`Command({ resume })`) arrives later as a new root run with its own trace. Linking
 * the two lets a reader go from "approved" back to what was put to the approver.
 *
 * Kept in memory per trail and keyed by session (LangGraph's thread_id): a resume in another
 * process still records its command, only without the link.
 */

export interface PendingInterrupt {
  trace_id: string;
  /** LangGraph's interrupt ids, which a resume may address (`resume: { [id]: value }`). */
  interrupts: string[];
}

/** Enough for every conversation a process has open at once; the oldest waiting one goes first. */
const MAX_WAITING = 10_000;

const waitingByTrail = new WeakMap<object, Map<string, PendingInterrupt>>();

function waitingOf(trail: object): Map<string, PendingInterrupt> {
  let waiting = waitingByTrail.get(trail);
  if (!waiting) waitingByTrail.set(trail, (waiting = new Map()));
  return waiting;
}

/** A trace of `sessionId` ended paused on these interrupts. */
export function rememberInterrupted(trail: object, sessionId: string, traceId: string, raised: unknown[]): void {
  const waiting = waitingOf(trail);
  waiting.delete(sessionId);
  if (waiting.size >= MAX_WAITING) waiting.delete(waiting.keys().next().value!);
  waiting.set(sessionId, { trace_id: traceId, interrupts: interruptIds(raised) });
}

/** The paused trace a resume in `sessionId` continues, once: a second resume has nothing to link. */
export function takeInterrupted(trail: object, sessionId: string): PendingInterrupt | undefined {
  const waiting = waitingOf(trail);
  const pending = waiting.get(sessionId);
  waiting.delete(sessionId);
  return pending;
}

function interruptIds(raised: unknown[]): string[] {
  const ids: string[] = [];
  for (const item of raised) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id === "string") ids.push(id);
  }
  return ids;
}
