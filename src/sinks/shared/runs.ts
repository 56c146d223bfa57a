/**
 * Pairs start and end events back into complete runs, for destinations that want one record per
 * LangChain run (OpenTelemetry spans, LangSmith runs) rather than a stream of events.
 *
 * Events arrive in order per writer chain, possibly split across batches, so runs still open are
 * kept between batches. An end whose start was never seen (it was acknowledged before a crash)
 * still becomes a run, timed from its duration and marked `incomplete`. A root run waits for its
 * `output` event (the final answer and the invocation's totals) until the end of the batch.
 */
import type { AuditEvent, Level } from "../../events/schema.js";

export type RunKind = "chain" | "llm" | "tool" | "retriever";

export interface RunRecord {
  runId: string;
  traceId: string;
  parentRunId: string | undefined;
  name: string;
  kind: RunKind;
  isRoot: boolean;
  startMs: number;
  endMs: number;
  status: "ok" | "error" | "interrupted";
  /** Start or end never seen (lost before a crash, or still running at shutdown). */
  incomplete: boolean;
  level: Level;
  input: unknown;
  output: unknown;
  error: { type?: string; message?: string; stack?: string } | undefined;
  sessionId: string | undefined;
  userId: string | undefined;
  tags: string[] | undefined;
  metadata: Record<string, unknown> | undefined;
  /** The start's data (model params, tools offered, tool call id...) and the end's. */
  startData: Record<string, unknown>;
  endData: Record<string, unknown>;
  startEvent: AuditEvent | undefined;
  endEvent: AuditEvent | undefined;
  /** The root run's name (the trace's name), when its start was seen. */
  traceName: string | undefined;
  /** Root runs: the trace had model calls (it was an agent). */
  hadModelCalls?: boolean;
  /** Root runs: the `output` event's data, when one was recorded. */
  summary?: Record<string, unknown>;
}

const KINDS: Record<string, RunKind> = { chain: "chain", llm: "llm", tool: "tool", retriever: "retriever" };
const INPUT_KEY: Record<RunKind, string[]> = { chain: ["inputs"], llm: ["messages", "prompts"], tool: ["args"], retriever: ["query"] };
const OUTPUT_KEY: Record<RunKind, string> = { chain: "outputs", llm: "output", tool: "result", retriever: "documents" };
const RANK: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/** At most this many runs are held open; beyond it the oldest are exported as incomplete. */
const MAX_OPEN = 10_000;

function kindOf(type: string): { kind: RunKind; phase: "start" | "end" | "error" } | undefined {
  const i = type.lastIndexOf("_");
  const kind = KINDS[type.slice(0, i)];
  const phase = type.slice(i + 1);
  if (!kind || (phase !== "start" && phase !== "end" && phase !== "error")) return undefined;
  return { kind, phase };
}

export class RunAssembler {
  private readonly open = new Map<string, AuditEvent>();
  private readonly rootInput = new Map<string, unknown>();
  private readonly modelTraces = new Set<string>();
  private readonly traceNames = new Map<string, string>();
  private pendingRoots = new Map<string, RunRecord>();

  /** Feeds a batch; returns the runs it completed, in end order. */
  take(events: readonly AuditEvent[]): RunRecord[] {
    const done: RunRecord[] = [];
    for (const e of events) {
      if (e.type === "input" && e.trace_id) {
        this.rootInput.set(e.trace_id, e.data);
        continue;
      }
      if (e.type === "output" && e.trace_id) {
        const root = this.pendingRoots.get(e.trace_id);
        if (root) {
          this.pendingRoots.delete(e.trace_id);
          root.summary = e.data;
          done.push(root);
        }
        continue;
      }
      const k = kindOf(e.type);
      if (!k || !e.run_id) continue;
      if (k.kind === "llm" && e.trace_id) this.modelTraces.add(e.trace_id);
      if (k.phase === "start") {
        this.open.set(e.run_id, e);
        if (e.parent_run_id === undefined && e.name) this.traceNames.set(e.trace_id ?? e.run_id, e.name);
        if (this.open.size > MAX_OPEN) {
          const [oldest] = this.open.values();
          this.open.delete(oldest!.run_id!);
          done.push(this.build(oldest!, undefined));
        }
        continue;
      }
      const start = this.open.get(e.run_id);
      this.open.delete(e.run_id);
      const run = this.build(start, e);
      if (run.isRoot) this.pendingRoots.set(run.traceId, run);
      else done.push(run);
    }
    // A root whose output event did not come in this batch is not held back any longer.
    for (const root of this.pendingRoots.values()) done.push(root);
    this.pendingRoots = new Map();
    return done;
  }

  /** Runs started but not ended: exported as incomplete when the sink closes. */
  drainOpen(): RunRecord[] {
    const runs = [...this.open.values()].map((s) => this.build(s, undefined));
    this.open.clear();
    return runs;
  }

  private build(start: AuditEvent | undefined, end: AuditEvent | undefined): RunRecord {
    const any = (end ?? start)!;
    const k = kindOf(any.type)!;
    // Timestamps have millisecond resolution; durations are measured to the microsecond.
    const startMs = start ? Date.parse(start.ts) : end ? Date.parse(end.ts) - (end.duration_ms ?? 0) : Date.now();
    const endMs = end ? (start && end.duration_ms !== undefined ? startMs + end.duration_ms : Date.parse(end.ts)) : Date.now();
    const startData = (start?.data ?? {}) as Record<string, unknown>;
    const endData = (end?.data ?? {}) as Record<string, unknown>;
    const isRoot = any.parent_run_id === undefined;
    const traceId = any.trace_id ?? any.run_id!;
    const level = [start?.level, end?.level].filter(Boolean).reduce((a, b) => (RANK[b!] > RANK[a!] ? b : a), "info" as Level)!;
    const inputKey = INPUT_KEY[k.kind].find((key) => startData[key] !== undefined);
    const run: RunRecord = {
      runId: any.run_id!,
      traceId,
      parentRunId: any.parent_run_id,
      name: any.name ?? k.kind,
      kind: k.kind,
      isRoot,
      startMs,
      endMs,
      status: !end ? "ok" : (end.status ?? "ok") === "error" ? "error" : end.status === "interrupted" ? "interrupted" : "ok",
      incomplete: !start || !end,
      level,
      input: isRoot && this.rootInput.has(traceId) ? this.rootInput.get(traceId) : inputKey ? startData[inputKey] : undefined,
      output: endData[OUTPUT_KEY[k.kind]],
      error: (endData.error as RunRecord["error"]) ?? undefined,
      sessionId: any.session_id,
      userId: any.user_id,
      tags: any.tags,
      metadata: any.metadata,
      startData,
      endData,
      startEvent: start,
      endEvent: end,
      traceName: this.traceNames.get(traceId) ?? (isRoot ? any.name : undefined),
    };
    if (isRoot) {
      this.traceNames.delete(traceId);
      run.hadModelCalls = this.modelTraces.has(traceId);
      this.rootInput.delete(traceId);
      this.modelTraces.delete(traceId);
    }
    return run;
  }
}

/**
 * The assembler as a sink uses it: a batch retried by the delivery layer (same batch id) gets the
 * runs it produced the first time, instead of being paired a second time.
 */
export class BatchRuns {
  readonly assembler = new RunAssembler();
  private last: { batchId: string; runs: RunRecord[] } | undefined;

  runsFor(batch: readonly AuditEvent[], batchId: string | undefined, beforeTake?: (batch: readonly AuditEvent[]) => void): RunRecord[] {
    if (batchId !== undefined && this.last?.batchId === batchId) return this.last.runs;
    beforeTake?.(batch);
    const runs = this.assembler.take(batch);
    if (batchId !== undefined) this.last = { batchId, runs };
    return runs;
  }
}
