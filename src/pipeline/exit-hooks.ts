/**
 * What happens to a trail when the process ends without `shutdown()`. One set of process
 * listeners serves every live trail (a process may hold many), so no trail adds listeners of its own.
 *
 * - `beforeExit` (the event loop ran dry): each trail flushes once, bounded by its `exitFlushMs`;
 *   the flush keeps the loop alive while it runs, so it really delivers.
 * - `SIGTERM` / `SIGINT` with no listener of the application's own: every trail shuts down within
 *   its `exitFlushMs`, then the signal is raised again with Node's default action, so the process
 *   ends with the signal's usual status (143, 130). A second signal ends it at once. When the
 *   application listens for the signal itself, it owns shutdown and nothing is done here.
 * - `exit`: synchronous last words only (a final checkpoint, the writer's liveness file).
 */

export interface ExitParticipant {
  /** Takes part in `beforeExit` and the signals (`exitHandlers` not false). */
  readonly handlesExit: boolean;
  readonly exitFlushMs: number;
  beforeExit(): void;
  onSignal(timeoutMs: number): Promise<unknown>;
  exitSync(): void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
type ExitSignal = (typeof SIGNALS)[number];

// Held weakly: a trail the application dropped (and that has nothing in flight) can be collected.
const participants = new Set<WeakRef<ExitParticipant>>();
const live = (): ExitParticipant[] => {
  const out: ExitParticipant[] = [];
  for (const ref of participants) {
    const p = ref.deref();
    if (p) out.push(p);
    else participants.delete(ref);
  }
  return out;
};
let installed = false;
let signalling = false;

export function joinExit(p: ExitParticipant): void {
  participants.add(new WeakRef(p));
  if (!installed) install();
}

export function leaveExit(p: ExitParticipant): void {
  for (const ref of participants) if (ref.deref() === p) participants.delete(ref);
  if (live().length === 0 && installed) uninstall();
}

function install(): void {
  installed = true;
  process.on("beforeExit", onBeforeExit);
  process.on("exit", onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  installed = false;
  process.off("beforeExit", onBeforeExit);
  process.off("exit", onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function onBeforeExit(): void {
  for (const p of live()) if (p.handlesExit) p.beforeExit();
}

function onExit(): void {
  for (const p of live()) {
    try {
      p.exitSync();
    } catch {
      // the process is ending; nothing can be reported any more
    }
  }
}

/**
 * Marks our listeners, so that another copy of this library in the same process (two versions in
 * a monorepo) is not mistaken for the application's own listener: both would then stand back and
 * the signal would end nothing.
 */
const OURS = Symbol.for("agent-audit-trail.exit-listener");
const isOurs = (listener: unknown) => (listener as Record<symbol, unknown>)[OURS] === true;
const applicationListens = (signal: ExitSignal) => process.listeners(signal).some((l) => !isOurs(l));

function onSignal(signal: ExitSignal): void {
  // The application listens too: it decides when and how to end, and calls shutdown() itself.
  if (applicationListens(signal)) return;
  const willing = live().filter((p) => p.handlesExit);
  if (signalling || willing.length === 0) return reraise(signal);
  signalling = true;
  const timeoutMs = Math.max(...willing.map((p) => p.exitFlushMs));
  // A ref'd timer bounds the whole thing even if a shutdown step never settles.
  const guard = setTimeout(() => reraise(signal), timeoutMs + 500);
  void Promise.allSettled(willing.map((p) => p.onSignal(timeoutMs))).then(() => {
    clearTimeout(guard);
    reraise(signal);
  });
}

/** Ends the process the way the signal would have without us. */
function reraise(signal: ExitSignal): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  installed = false;
  process.off("beforeExit", onBeforeExit);
  onExit();
  process.off("exit", onExit);
  // Another copy of the library is still flushing: it raises the signal when it is done.
  if (process.listeners(signal).some(isOurs)) return;
  process.kill(process.pid, signal);
}
(onSignal as unknown as Record<symbol, boolean>)[OURS] = true;
