#!/usr/bin/env node
/**
 * `agent-audit`: the command line over a trail. Each command is a thin layer over store/ and
 * pipeline/; this file only parses arguments and prints.
 */
import { VERSION } from "../version.js";
import { deliveryStatus } from "../store/delivery-status.js";
import { deadLetterFile } from "../pipeline/spool.js";
import { parseArgs } from "node:util";
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_AUDIT_DIR } from "../sinks/jsonl.js";
import { listSessions, sessionEvents, type BadLine } from "../store/jsonl.js";
import { renderTimeline } from "./timeline.js";
import { runDemo } from "./demo.js";
import { tail } from "./tail.js";

const HELP = `agent-audit — audit trails for LangChain.js agents

Usage: agent-audit <command> [options]

Commands:
  demo                 run an offline LangChain agent, record it, print its timeline
  sessions             list the sessions in a trail
  show <session_id>    print one session as a timeline
  tail [-f]            print the latest events (-f: keep following)
  status               delivery to remote sinks: lag per sink and chain, dead letters

Options:
  --dir <path>         trail directory (default: $AGENT_AUDIT_DIR or ${DEFAULT_AUDIT_DIR})
  --json               machine-readable output (sessions, show, tail, status)
  -n, --lines <n>      tail: how many events (default 20)
  -f, --follow         tail: wait for new events
  --no-color           plain text
  -h, --help           this help
  -v, --version        the version`;

class UsageError extends Error {}

export async function main(argv: string[], io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) }): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        json: { type: "boolean", default: false },
        lines: { type: "string", short: "n" },
        follow: { type: "boolean", short: "f", default: false },
        "no-color": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", short: "v", default: false },
      },
    });
  } catch (err) {
    io.err(`agent-audit: ${(err as Error).message}\nRun agent-audit --help for usage.`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(version());
    return 0;
  }
  if (values.help || !command || command === "help") {
    io.out(HELP);
    return command || values.help ? 0 : 2;
  }
  const dir = values.dir ?? process.env.AGENT_AUDIT_DIR ?? DEFAULT_AUDIT_DIR;
  const color = !values["no-color"] && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  let badLines = 0;
  const onBadLine = (bad: BadLine) => {
    badLines++;
    if (badLines <= 3) io.err(`agent-audit: skipped ${bad.file}:${bad.line}: ${bad.reason}`);
  };

  try {
    switch (command) {
      case "demo":
        await runDemo({ dir, color, out: io.out });
        return 0;
      case "sessions": {
        const sessions = await listSessions(dir, { onBadLine });
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
      case "show": {
        const sessionId = rest[0];
        if (!sessionId) throw new UsageError("show needs a session id: agent-audit show <session_id> (list them with agent-audit sessions)");
        const events = await sessionEvents(dir, sessionId, { onBadLine });
        if (events.length === 0) {
          io.err(`agent-audit: no events for session "${sessionId}" in ${dir}`);
          return 1;
        }
        if (values.json) for (const e of events) io.out(JSON.stringify(e));
        else for (const line of renderTimeline(events, { color })) io.out(line);
        return 0;
      }
      case "tail": {
        const lines = values.lines === undefined ? 20 : Number(values.lines);
        if (!Number.isInteger(lines) || lines < 0) throw new UsageError(`--lines must be a whole number, got "${values.lines}"`);
        await tail({ dir, lines, follow: values.follow, json: values.json, color, out: io.out, onBadLine });
        return 0;
      }
      case "status": {
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
        for (const s of status) if (s.dead_letters) io.out(`${s.sink}: ${s.dead_letters} dead-lettered event(s) in ${deadLetterFile(dir, s.sink)}`);
        return status.some((s) => s.dead_letters > 0) ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`agent-audit: ${err.message}\nRun agent-audit --help for usage.`);
      return 2;
    }
    io.err(`agent-audit: ${(err as Error).message}`);
    return 1;
  } finally {
    if (badLines > 3) io.err(`agent-audit: skipped ${badLines} unreadable lines in all`);
  }
}

function printTable(header: string[], rows: string[][], out: (s: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  out(line(header));
  for (const r of rows) out(line(r));
}

function version(): string {
  return VERSION;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Run when executed as the bin (not when imported by tests).
if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
