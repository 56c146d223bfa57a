/**
 * The handler's bookkeeping of open runs: one map keyed by run id, pairing each start with its end
 * (as LangChain's own tracers do), so one handler serves many concurrent invocations and parallel
 * tool calls that finish in any order. A run with no parent it knows of starts a new trace (one
 * invocation), which collects the totals its `output` event reports.
 *
 * Here, apart from the callbacks, so the tree's rules stand in one place: which trace a run joins,
 * which recorded run its events hang from, what it inherits, and when it is forgotten.
 */
import type { Level } from "../events/schema.js";
import { type TokenUsage } from "../events/usage.js";
import { type CaptureTrail } from "./trail-port.js";
import { type RunDefaults } from "./handler-options.js";
import { runMetadata, runTags, sessionFrom, userFrom } from "./context.js";
import { type StreamFacts } from "./model-facts.js";
import { now } from "./callback-values.js";

export type RunKind = "chain" | "llm" | "tool" | "retriever";

/** One invocation: everything under one root run. */
export interface TraceState {
  traceId: string;
  sessionId: string | undefined;
  userId: string | undefined;
  runIds: string[];
  usage: TokenUsage | undefined;
  models: Set<string>;
  llmCalls: number;
  toolCalls: number;
  /** Errors already recorded lower in the tree: their propagation through parent chains is not news. */
  recordedErrors: WeakSet<object>;
  errorCount: number;
  /** Interrupts raised inside this invocation (LangGraph human-in-the-loop): it paused, not ended. */
  interrupts: unknown[] | undefined;
}

export interface RunState {
  id: string;
  kind: RunKind;
  name: string;
  isRoot: boolean;
  /** Its start event was recorded, so its end will be too and children may hang from it. */
  recorded: boolean;
  /** Nearest recorded ancestor (what `parent_run_id` says); levels never break the tree. */
  recordedParentId: string | undefined;
  trace: TraceState;
  startedAt: number;
  /**
   * Wall-clock time of the same moment (ms since the epoch): the start event's `ts`, so that `ts`
   * plus `duration_ms` is when the run ended, on one clock reading (spans built from them nest).
   */
  startedAtWall: number;
  tags: string[] | undefined;
  metadata: Record<string, unknown> | undefined;
  provider?: string;
  model?: string;
  /** What a streamed call's chunks said (model-facts.ts). */
  stream?: StreamFacts;
  toolCallId?: string;
  /** A LangGraph node the user wrote (recorded at debug, with the state update it returned). */
  graphNode?: boolean;
}

/** Where a run sits in what was recorded; `parentId` is the nearest recorded run at or above it. */
export interface RunPlace {
  traceId: string;
  sessionId?: string;
  userId?: string;
  parentId: string | undefined;
}

/** The nearest recorded run at or above this one: what events about it hang from. */
export function recordedAnchor(run: RunState): string | undefined {
  return run.recorded ? run.id : run.recordedParentId;
}

/** Roots are what happened, graph nodes the steps a reader follows; other chains are plumbing. */
export function chainLevel(run: RunState): Level {
  return run.isRoot ? "info" : run.graphNode ? "debug" : "trace";
}

export class OpenRuns {
  private readonly runs = new Map<string, RunState>();

  constructor(
    private readonly trail: CaptureTrail,
    private readonly defaults: RunDefaults,
  ) {}

  get(runId: string): RunState | undefined {
    return this.runs.get(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  /** Runs currently open (started, not yet ended). */
  get size(): number {
    return this.runs.size;
  }

  place(runId: string): RunPlace | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    return { traceId: run.trace.traceId, sessionId: run.trace.sessionId, userId: run.trace.userId, parentId: recordedAnchor(run) };
  }

  /** Opens a run under its parent's trace, or a new trace when its parent is unknown. */
  start(
    kind: RunKind,
    runId: string,
    parentRunId: string | undefined,
    name: string,
    tags: string[] | undefined,
    metadata: Record<string, unknown> | undefined,
  ): RunState {
    const parent = parentRunId === undefined ? undefined : this.runs.get(parentRunId);
    let trace: TraceState;
    if (parent) {
      trace = parent.trace;
    } else {
      // A run with no parent we know of starts a new invocation (also when the handler was
      // attached below the top, e.g. on a bare model or tool call).
      trace = {
        traceId: runId,
        sessionId: this.sessionOf(metadata),
        userId: this.userOf(metadata),
        runIds: [],
        usage: undefined,
        models: new Set(),
        llmCalls: 0,
        toolCalls: 0,
        recordedErrors: new WeakSet(),
        errorCount: 0,
        interrupts: undefined,
      };
    }
    const run: RunState = {
      id: runId,
      kind,
      name,
      isRoot: !parent,
      recorded: false,
      recordedParentId: parent ? recordedAnchor(parent) : undefined,
      trace,
      startedAt: now(),
      startedAtWall: Date.now(),
      tags: runTags(parent ? parent.tags : this.defaults.tags, tags),
      metadata: runMetadata(parent ? parent.metadata : this.defaults.metadata, metadata, this.trail.captureLimits),
    };
    trace.runIds.push(runId);
    this.runs.set(runId, run);
    return run;
  }

  /** Forgets an ended run; a root stays until its trace is finished. */
  forget(run: RunState): void {
    if (!run.isRoot) this.runs.delete(run.id);
  }

  /** Forgets every run of a finished trace. */
  forgetTrace(trace: TraceState): void {
    for (const id of trace.runIds) this.runs.delete(id);
  }

  /** Session and user of an event outside any run, and the tags it carries. */
  outside(metadata: Record<string, unknown> | undefined, tags: string[] | undefined): { session_id: string | undefined; user_id: string | undefined; tags: string[] | undefined } {
    return { session_id: this.sessionOf(metadata), user_id: this.userOf(metadata), tags: runTags(this.defaults.tags, tags) };
  }

  private sessionOf(metadata: Record<string, unknown> | undefined): string | undefined {
    return sessionFrom(this.defaults.sessionId, metadata, this.trail.context.sessionId);
  }

  private userOf(metadata: Record<string, unknown> | undefined): string | undefined {
    return userFrom(this.defaults.userId, metadata, this.trail.context.userId);
  }
}
