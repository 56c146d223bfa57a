/**
 * How runs become events on the trail: which are recorded at the trail's level (a start only when
 * its level is enabled, the root's always; an end when its start was, or when its own level is:
 * warnings and errors), where each event hangs in the tree, an error recorded once where it
 * happened and as propagation above, and the invocation's `input` and `output` events. What is
 * not recorded is counted as filtered.
 *
 * The handler maps LangChain's callbacks onto these few operations; keeping the rules here lets
 * each callback say only what its event contains.
 */
import type { EventType, Level, Status } from "../events/schema.js";
import { type CaptureTrail } from "./trail-port.js";
import { rememberInterrupted } from "./pending-interrupts.js";
import { recordedAnchor, type OpenRuns, type RunState } from "./runs.js";
import { traceOutput } from "./trace-output.js";
import { errorData, now, round } from "./callback-values.js";

/** Where an event goes besides its run: `parentless` (input/output) or `under` a run (reasoning, custom). */
export interface EventExtra {
  duration?: number;
  status?: Status;
  parentless?: boolean;
  under?: RunState;
  name?: string;
  /**
   * Written at the commit point that follows in the same callback rather than by itself: a root
   * run's end and the invocation's `output` are followed by `output()`'s commit, so the end of an
   * invocation costs one write, not two.
   */
  deferCommit?: boolean;
  /** When it happened (ms since the epoch), if not now: a start event is dated when its run began. */
  time?: number;
}

export class RunEvents {
  constructor(
    private readonly trail: CaptureTrail,
    private readonly runs: OpenRuns,
  ) {}

  /** Records a run's start event if its level is enabled (the root always is). */
  start(run: RunState, type: EventType, level: Level, data: () => Record<string, unknown>): void {
    if (!run.isRoot && !this.trail.isEnabled(level)) {
      this.trail.countFiltered();
      return;
    }
    run.recorded = true;
    this.emit(run, type, level, data(), { time: run.startedAtWall });
  }

  /** Records a run's end event (if its start was recorded) and forgets the run. */
  end(run: RunState, type: EventType, level: Level, status: Status, data: () => Record<string, unknown>): void {
    const duration = now() - run.startedAt;
    // A warning or error is recorded even when its start was not (a slow step at level info).
    if (run.recorded || this.trail.isEnabled(level)) {
      this.emit(run, type, level, data(), { duration, status, deferCommit: run.isRoot });
    } else {
      this.trail.countFiltered();
    }
    this.runs.forget(run);
  }

  /** Ends a run that failed; a root's failure also ends its trace. */
  endWithError(run: RunState, type: EventType, err: unknown): void {
    const trace = run.trace;
    const isObject = typeof err === "object" && err !== null;
    const propagated = isObject && trace.recordedErrors.has(err);
    // An error bubbling up through parent chains was recorded where it happened; the parents'
    // errors are propagation, kept at trace level (the root always records how it ended).
    const level: Level = propagated && !run.isRoot ? "trace" : "error";
    if (isObject && !propagated) trace.recordedErrors.add(err);
    if (!propagated) trace.errorCount++;
    this.end(run, type, level, "error", () => {
      const data: Record<string, unknown> = {};
      if (run.kind === "tool") {
        data.tool = run.name;
        if (run.toolCallId) data.tool_call_id = run.toolCallId;
      } else if (run.kind === "llm") {
        if (run.provider) data.provider = run.provider;
        if (run.model) data.model = run.model;
      }
      data.error = errorData(err, this.trail.captureLimits);
      if (propagated) data.propagated = true;
      return data;
    });
    if (run.isRoot) this.output(run, undefined, err);
  }

  /** The user's input entering the root run. */
  input(root: RunState, data: () => Record<string, unknown>): void {
    if (this.trail.isEnabled("info")) this.emit(root, "input", "info", data(), { parentless: true });
    else this.trail.countFiltered();
  }

  /** Root finished: record the `output` event (the final answer and what it cost) and forget the trace. */
  output(root: RunState, outputs: unknown, err?: unknown): void {
    const trace = root.trace;
    try {
      if (!this.trail.isEnabled("info")) return this.trail.countFiltered();
      const { data, status } = traceOutput(root, outputs, err, this.trail.captureLimits);
      if (status === "interrupted" && trace.sessionId) {
        const raised = trace.interrupts ?? (outputs as { __interrupt__?: unknown[] }).__interrupt__ ?? [];
        rememberInterrupted(this.trail, trace.sessionId, trace.traceId, raised);
      }
      this.emit(root, "output", "info", data, { parentless: true, duration: now() - root.startedAt, status, deferCommit: true });
    } finally {
      this.runs.forgetTrace(trace);
      // Commit point: the invocation returns to its caller next.
      this.trail.commit();
    }
  }

  /** Records one event about a run, hung from the nearest recorded run (or as `extra` says). */
  emit(run: RunState, type: EventType, level: Level, data: Record<string, unknown>, extra: EventExtra = {}): void {
    const trace = run.trace;
    let runId: string | undefined = run.id;
    let parent = run.recordedParentId;
    if (extra.parentless) {
      // input/output belong to the invocation as a whole: they hang from the root run.
      runId = undefined;
      parent = trace.traceId;
    } else if (extra.under) {
      runId = undefined;
      parent = recordedAnchor(extra.under);
    }
    this.trail.emit({
      level,
      type,
      session_id: trace.sessionId,
      user_id: trace.userId,
      trace_id: trace.traceId,
      run_id: runId,
      parent_run_id: parent,
      name: extra.name ?? run.name,
      tags: run.tags,
      metadata: run.metadata,
      data,
      duration_ms: extra.duration === undefined ? undefined : round(extra.duration),
      status: extra.status,
      time: extra.time,
    }, extra.deferCommit ? false : undefined);
  }
}
