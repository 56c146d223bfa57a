// What a session's events mean, as plain data the views draw: runs (start and end paired, in a
// tree, with their notes), the conversation (who said what, in order), and the state a LangGraph
// node changed. No DOM here, so the rules can be tested on their own.

const RUN_EVENT = /^(chain|llm|tool|retriever)_(start|end|error)$/;
const time = (e) => Date.parse(e.ts);

/** Plain text of a message's content: a string, or the text parts of content blocks. */
export function contentText(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((b) => (typeof b === "string" ? b : typeof b?.text === "string" ? b.text : "")).filter(Boolean).join("\n");
  return "";
}

/**
 * Pairs start/end events into runs and hangs each on its parent. `flat` is the waterfall's order
 * (depth first, by start time) with each run's depth.
 */
export function buildRuns(events) {
  const runs = new Map();
  const loose = [];
  for (const e of events) {
    const m = RUN_EVENT.exec(e.type);
    if (m && e.run_id) {
      let r = runs.get(e.run_id);
      if (!r) runs.set(e.run_id, (r = { id: e.run_id, kind: m[1], name: e.name, parent: e.parent_run_id, children: [], notes: [] }));
      if (m[2] === "start") r.start = e;
      else r.end = e;
      r.name ??= e.name;
      r.parent ??= e.parent_run_id;
    } else loose.push(e);
  }
  for (const r of runs.values()) {
    r.t0 = r.start ? time(r.start) : r.end ? time(r.end) - (r.end.duration_ms ?? 0) : 0;
    r.t1 = r.end ? r.t0 + (r.end.duration_ms ?? time(r.end) - r.t0) : r.t0;
    r.error = r.end?.status === "error";
    r.open = !r.end; // started, never ended (yet, or the process died)
    const sd = r.start?.data ?? {};
    const ed = r.end?.data ?? {};
    if (typeof sd.node === "string") r.node = { node: sd.node, step: sd.step };
    if (r.kind === "llm") {
      r.model = ed.model ?? sd.model;
      r.usage = ed.usage;
      r.cost = typeof ed.cost === "number" ? ed.cost : undefined;
    }
  }
  const roots = [];
  for (const r of runs.values()) (runs.get(r.parent)?.children ?? roots).push(r);
  for (const n of loose) runs.get(n.parent_run_id)?.notes.push(n);
  const byStart = (a, b) => a.t0 - b.t0;
  const flat = [];
  const walk = (list, depth) => {
    list.sort(byStart);
    for (const r of list) {
      r.depth = depth;
      flat.push(r);
      walk(r.children, depth + 1);
    }
  };
  walk(roots, 0);
  // A loop, not Math.min(...all): a long session has more events than a call takes arguments.
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const e of events) {
    const t = time(e);
    if (Number.isFinite(t)) (t0 = Math.min(t0, t)), (t1 = Math.max(t1, t));
  }
  for (const r of flat) (t0 = Math.min(t0, r.t0)), (t1 = Math.max(t1, r.t1));
  if (!Number.isFinite(t0)) t0 = t1 = 0;
  return { runs, roots, flat, t0, t1 };
}

/**
 * The session as a conversation, in recorded order: user and assistant messages, tool calls and
 * results, errors, policy decisions, graph nodes and other notes. Each entry names its run.
 */
export function conversation(events) {
  const out = [];
  const assistantByRun = new Map();
  const nodeByRun = new Map();
  const lastAssistantText = new Map(); // per trace, so the final output is not said twice
  for (const e of events) {
    const d = e.data ?? {};
    switch (e.type) {
      case "input":
        out.push({ kind: "user", event: e, run: e.trace_id, text: contentText(d.content), value: typeof d.content === "string" ? undefined : d.content ?? d });
        break;
      case "llm_end": {
        const o = d.output ?? {};
        const entry = { kind: "assistant", event: e, run: e.run_id, text: contentText(o.content), toolCalls: Array.isArray(o.tool_calls) ? o.tool_calls : [], model: d.model, usage: d.usage, cost: d.cost, duration: e.duration_ms };
        assistantByRun.set(e.run_id, entry);
        if (entry.text) lastAssistantText.set(e.trace_id, entry.text);
        out.push(entry);
        break;
      }
      case "reasoning": {
        const host = assistantByRun.get(e.parent_run_id);
        const reasoning = { text: d.reasoning ?? "", thought: d.thought ?? "", confidence: d.confidence, toolCalls: d.tool_calls ?? [] };
        if (host) host.reasoning = reasoning;
        else out.push({ kind: "reasoning", event: e, run: e.parent_run_id, reasoning });
        break;
      }
      case "tool_start":
        out.push({ kind: "tool-call", event: e, run: e.run_id, name: d.tool ?? e.name, args: d.args ?? d.input });
        break;
      case "tool_end":
        out.push({ kind: "tool-result", event: e, run: e.run_id, name: d.tool ?? e.name, result: d.result ?? d.output, duration: e.duration_ms });
        break;
      case "tool_error":
      case "llm_error":
      case "chain_error":
      case "retriever_error":
        // An error that only passes through a parent run is said once, where it happened.
        if (!d.propagated) out.push({ kind: "error", event: e, run: e.run_id, name: d.tool ?? e.name, error: d.error ?? d, duration: e.duration_ms });
        break;
      case "policy":
        out.push({ kind: "policy", event: e, run: e.parent_run_id, action: d.action, rule: d.rule, reason: d.reason, name: d.tool ?? e.name, args: d.args });
        break;
      case "chain_start":
        if (typeof d.node === "string") {
          const entry = { kind: "node", event: e, run: e.run_id, name: d.node, step: d.step, changed: undefined };
          nodeByRun.set(e.run_id, entry);
          out.push(entry);
        }
        break;
      case "chain_end": {
        const node = nodeByRun.get(e.run_id);
        if (node) {
          node.changed = Array.isArray(d.changed) ? d.changed : undefined;
          node.status = e.status;
        }
        break;
      }
      case "output": {
        const text = contentText(d.content);
        // The error itself was shown where it happened; here only that the run ended in it.
        if (e.status === "error") out.push({ kind: "error", event: e, run: e.trace_id, name: e.name, ended: true, error: { message: `The run failed${d.error?.message ? `: ${d.error.message}` : "."}` } });
        else if (text && text !== lastAssistantText.get(e.trace_id)) out.push({ kind: "assistant", event: e, run: e.trace_id, text, toolCalls: [], final: true });
        break;
      }
      case "custom":
        out.push({ kind: "note", event: e, run: e.parent_run_id ?? e.run_id, name: e.name, value: d });
        break;
      default:
        break;
    }
  }
  return out;
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What a LangGraph node changed: for each key it returned (`changed`, else the update's keys),
 * the value in the state it was given and the value it returned. An array update lists the items
 * the state did not hold (`added`: a reducer appends them, or the node replaced the list); an
 * object update is compared key by key one level down (added, removed, changed).
 */
export function stateDiff(before, update, changed) {
  const keys = Array.isArray(changed) ? changed : isPlainObject(update) ? Object.keys(update) : [];
  const state = isPlainObject(before) ? before : {};
  const out = [];
  for (const key of keys) {
    const b = state[key];
    const a = isPlainObject(update) ? update[key] : undefined;
    out.push(...diffValue(key, b, a, key in state));
  }
  return out;
}

function diffValue(path, b, a, existed) {
  if (!existed || b === undefined) return [{ path, kind: "added", after: a }];
  if (same(a, b)) return [{ path, kind: "unchanged", before: b, after: a }];
  if (Array.isArray(a) && Array.isArray(b)) {
    const held = new Set(b.map((x) => JSON.stringify(x)));
    return [{ path, kind: "changed", before: b, after: a, added: a.filter((x) => !held.has(JSON.stringify(x))) }];
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const rows = [];
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      const sub = `${path}.${k}`;
      // A channel without a reducer takes the returned object whole: a key it lacks is gone.
      if (!(k in a)) rows.push({ path: sub, kind: "removed", before: b[k] });
      else if (!(k in b)) rows.push({ path: sub, kind: "added", after: a[k] });
      else if (!same(a[k], b[k])) rows.push({ path: sub, kind: "changed", before: b[k], after: a[k] });
    }
    return rows;
  }
  return [{ path, kind: "changed", before: b, after: a }];
}
