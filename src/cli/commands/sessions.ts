/** `agent-audit sessions`, `show`, `tail` and `status`: looking at a trail's sessions, latest events and delivery. */
import { deadLetterFile } from "../../format/trail-format.js";
import { deliveryStatus } from "../../store/delivery-status.js";
import { listSessions, sessionEvents, summarizeSessions } from "../../store/jsonl.js";
import { openStore, storeKind } from "../../store/open.js";
import { plural } from "../format.js";
import { tail } from "../tail.js";
import { renderTimeline } from "../timeline.js";
import { UsageError, readIndexed, type CommandContext } from "../context.js";

export async function sessionsCommand({ values, dir, io, reading, onBadLine }: CommandContext): Promise<number> {
  let sessions;
  if (values.store && storeKind(values.store) !== "dir") {
    // A database or archive: the same summaries, from its events in storage order.
    const store = openStore(values.store, { table: values.table });
    try {
      sessions = await summarizeSessions(store.events({}, { ordered: false }));
    } finally {
      await store.close();
    }
  } else {
    reading("sessions");
    sessions = values["no-index"] ? await listSessions(dir, { onBadLine }) : await readIndexed(dir, (store) => store.listSessions({ onBadLine }));
  }
  if (values.json) {
    io.out(JSON.stringify(sessions, null, 2));
    return 0;
  }
  if (sessions.length === 0) {
    io.out(`No sessions in ${dir}. Record some with the handler, or run: agent-audit demo`);
    return 0;
  }
  const rows = sessions.map((s) => [s.session_id, s.user_id ?? "", s.last_ts.replace("T", " ").slice(0, 19), String(s.invocations), String(s.llm_calls), String(s.tool_calls), String(s.errors), String(s.total_tokens)]);
  printTable(["SESSION", "USER", "LAST EVENT (UTC)", "RUNS", "MODEL", "TOOLS", "ERRORS", "TOKENS"], rows, io.out);
  return 0;
}

export async function showCommand({ values, rest, dir, io, color, reading, onBadLine }: CommandContext): Promise<number> {
  const sessionId = rest[0];
  if (!sessionId) throw new UsageError("show needs a session id: agent-audit show <session_id> (list them with agent-audit sessions)");
  reading("show", `session ${sessionId}`);
  const events = values["no-index"] ? await sessionEvents(dir, sessionId, { onBadLine }) : await readIndexed(dir, (store) => store.sessionEvents(sessionId, { onBadLine }));
  if (events.length === 0) {
    io.err(`agent-audit: no events for session "${sessionId}" in ${dir}`);
    return 1;
  }
  if (values.json) for (const e of events) io.out(JSON.stringify(e));
  else for (const line of renderTimeline(events, { color })) io.out(line);
  return 0;
}

export async function tailCommand({ values, dir, io, color, reading, onBadLine }: CommandContext): Promise<number> {
  const lines = values.lines === undefined ? 20 : Number(values.lines);
  if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, got "${values.lines}"`);
  reading("tail");
  await tail({ dir, lines, follow: values.follow, json: values.json, color, out: io.out, onBadLine });
  return 0;
}

export async function statusCommand({ values, dir, io }: CommandContext): Promise<number> {
  const status = await deliveryStatus(dir);
  if (values.json) {
    io.out(JSON.stringify(status, null, 2));
    return 0;
  }
  if (status.length === 0) {
    io.out(`No remote sinks have delivered from ${dir} (the JSONL trail itself is always complete).`);
    return 0;
  }
  const rows = status.flatMap((s) =>
    s.chains.map((c) => [s.sink, c.chain_id.slice(0, 13) + "…", c.live ? "writing" : "ended", String(c.delivered), String(c.lag_events), String(c.dead_lettered), String(c.dropped), c.updated.replace("T", " ").slice(0, 19)]),
  );
  printTable(["SINK", "CHAIN", "WRITER", "DELIVERED", "LAG", "DEAD-LETTERED", "DROPPED", "CURSOR UPDATED (UTC)"], rows, io.out);
  for (const s of status) if (s.dead_letters) io.out(`${s.sink}: ${plural(s.dead_letters, "dead-lettered event")} in ${deadLetterFile(dir, s.sink)}`);
  return status.some((s) => s.dead_letters > 0) ? 1 : 0;
}

function printTable(header: string[], rows: string[][], out: (s: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  out(line(header));
  for (const r of rows) out(line(r));
}
