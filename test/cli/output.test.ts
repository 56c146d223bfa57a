// What the built CLI prints for people and for spreadsheets: session ids on tail lines, CSV that a
// real parser reads back into the right columns (quotes, line breaks, formula injection), money,
// durations and plurals in show and stats, and a progress line only on a terminal without --json.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { progressLine } from "../../src/cli/progress.js";
import { costPerUser } from "../../src/store/stats-report.js";
import { runCli, runInTerminal, scratch, useOwnKeyStore } from "./run-cli.js";

useOwnKeyStore();

/** RFC 4180, written here so the test does not trust the code it checks: rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      if (cell !== "") throw new Error(`a quote inside an unquoted cell at ${i}`);
      quoted = true;
    } else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell), rows.push(row), (row = []), (cell = "");
    } else cell += c;
  }
  if (quoted) throw new Error("an unterminated quoted cell");
  if (cell !== "" || row.length) row.push(cell), rows.push(row);
  return rows;
}

/** One invocation of an agent: a model call with a price, a tool that works, one that fails. */
async function agentRun(dir: string): Promise<void> {
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false, exitHandlers: false, level: "trace" });
  const base = { session_id: "s-one", user_id: "u-1", trace_id: "t-1" };
  trail.record({ ...base, type: "chain_start", run_id: "r-root", name: "agent", data: { inputs: "go" } });
  trail.record({ ...base, type: "llm_start", run_id: "r-llm", parent_run_id: "r-root", name: "ChatOpenAI", data: { model: "gpt-4o-mini" } });
  trail.record({ ...base, type: "llm_end", run_id: "r-llm", parent_run_id: "r-root", name: "ChatOpenAI", status: "ok", duration_ms: 1234, data: { model: "gpt-4o-mini", usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 }, cost: 0.0042 } });
  trail.record({ ...base, type: "tool_start", run_id: "r-t1", parent_run_id: "r-root", name: "search", data: { args: { q: "paris" } } });
  trail.record({ ...base, type: "tool_end", run_id: "r-t1", parent_run_id: "r-root", name: "search", status: "ok", duration_ms: 850, data: { result: 'He said "hi",\nthen, left' } });
  trail.record({ ...base, type: "tool_start", run_id: "r-t2", parent_run_id: "r-root", name: "=cmd", data: { args: {} } });
  trail.record({ ...base, type: "tool_error", run_id: "r-t2", parent_run_id: "r-root", name: "=cmd", status: "error", duration_ms: 184_000, data: { error: { type: "TimeoutError", message: '+SUM(A1) "quoted"\r\nsecond line' } } });
  trail.record({ ...base, type: "chain_end", run_id: "r-root", name: "agent", status: "ok", duration_ms: 190_000, data: {} });
  trail.record({ ...base, type: "output", run_id: "r-root", name: "agent", status: "ok", data: { content: "done", llm_calls: 1, tool_calls: 2, errors: 1, usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } });
  trail.record({ type: "custom", session_id: "@evil", user_id: "-1+1", name: "\tTAB", data: { note: "formula cells" } });
  await trail.shutdown();
}

describe("agent-audit tail", { timeout: 120_000 }, () => {
  it("shows the session id on every line", async () => {
    const dir = scratch();
    await agentRun(dir);
    const r = await runCli(["tail", "-n", "20", "--dir", dir]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(10);
    for (const line of lines.slice(0, 9)) expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  s-one  /);
    expect(lines[9]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}  @evil  INFO /);
  });
});

describe("agent-audit export --format csv", { timeout: 120_000 }, () => {
  it("flattens the common fields into columns, keeps data last, and reads back with an RFC 4180 parser", async () => {
    const dir = scratch();
    await agentRun(dir);
    const r = await runCli(["export", "--format", "csv", "--dir", dir]);
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header).toEqual(["ts", "seq", "level", "type", "session_id", "user_id", "trace_id", "run_id", "parent_run_id", "name", "tool", "model", "input_tokens", "output_tokens", "total_tokens", "cost_usd", "status", "duration_ms", "error_type", "error_message", "id", "chain_id", "data"]);
    expect(rows).toHaveLength(10);
    for (const row of rows) expect(row).toHaveLength(header!.length);
    const byType = (type: string) => Object.fromEntries(header!.map((h, i) => [h, rows.find((row) => row[3] === type)![i]!]));

    expect(byType("llm_end")).toMatchObject({ model: "gpt-4o-mini", tool: "", input_tokens: "10", output_tokens: "5", total_tokens: "15", cost_usd: "0.0042", status: "ok", duration_ms: "1234" });
    expect(byType("llm_start")).toMatchObject({ model: "gpt-4o-mini", input_tokens: "" });
    const tool = byType("tool_end");
    expect(tool).toMatchObject({ tool: "search", model: "", status: "ok", duration_ms: "850", error_type: "" });
    expect(JSON.parse(tool.data!)).toEqual({ result: 'He said "hi",\nthen, left' });
    // A cell a spreadsheet would run as a formula is made text with a leading '.
    const failed = byType("tool_error");
    expect(failed).toMatchObject({ tool: "'=cmd", name: "'=cmd", status: "error", error_type: "TimeoutError", error_message: `'+SUM(A1) "quoted"\r\nsecond line`, duration_ms: "184000" });
    expect(byType("custom")).toMatchObject({ session_id: "'@evil", user_id: "'-1+1", name: "'\tTAB" });
    expect(byType("output")).toMatchObject({ total_tokens: "15", status: "ok" });
  });
});

describe("money, durations and plurals", { timeout: 120_000 }, () => {
  it("show prints $0.0042, 1.2 s, 850 ms, 3 min 4 s and '1 model call'", async () => {
    const dir = scratch();
    await agentRun(dir);
    const r = await runCli(["show", "s-one", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/• llm ChatOpenAI  1\.2 s  gpt-4o-mini  15 tokens \(10 in \/ 5 out\)  \$0\.0042/);
    expect(r.stdout).toMatch(/• tool search  850 ms/);
    expect(r.stdout).toMatch(/• tool =cmd  3 min 4 s/);
    expect(r.stdout).toContain("15 tokens (10 in / 5 out) · 1 model call · 2 tool calls · 1 error");
    expect(r.stdout).not.toMatch(/\(s\)|1 model calls/);
  });

  it("stats prints the cost for people and counts hours with a plural", async () => {
    const dir = scratch();
    await agentRun(dir);
    const r = await runCli(["stats", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gpt-4o-mini +1 +10 +5 +15 +\$0\.0042/);
    expect(r.stdout).toMatch(/search +1 +0 +850 ms +850 ms/);
    expect(r.stdout).toContain("Events per hour: 1 hour, peak 10");
    expect(r.stdout).toMatch(/Cost per user[^\n]*\nUSER +CALLS +TOKENS +COST\n\S+ +1 +15 +\$0\.0042\n/);
    expect(r.stdout).not.toContain("(s)");
  });

  it("cost per user adds each user's days up, costliest first, ties by id", () => {
    const day = (d: string, user_id: string, cost: number) => ({ day: d, user_id, calls: 1, total_tokens: 10, cost });
    expect(costPerUser([day("2026-11-01", "bo", 0.1), day("2026-11-01", "al", 0.2), day("2026-11-02", "bo", 0.2), day("2026-11-02", "cy", 0.3)])).toEqual([
      { user_id: "bo", calls: 2, total_tokens: 20, cost: 0.3 },
      { user_id: "cy", calls: 1, total_tokens: 10, cost: 0.3 },
      { user_id: "al", calls: 1, total_tokens: 10, cost: 0.2 },
    ]);
  });
});

describe("progress on stderr", () => {
  let big: string;
  beforeAll(async () => {
    // 5,000 events of one session, 120 days old: enough for verify's, prove's and purge's progress.
    big = mkdtempSync(join(tmpdir(), "audit-cli-big-"));
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir: big })], redaction: false, exitHandlers: false });
    const old = Date.now() - 120 * 86_400_000;
    for (let i = 0; i < 5000; i++) trail.emit({ level: "info", type: "custom", session_id: "s-big", user_id: "u-big", data: { i }, time: old + i });
    await trail.shutdown();
  }, 60_000);
  afterAll(() => rmSync(big, { recursive: true, force: true }));

  const PROGRESS = /events? read…|\x1b\[K/;

  it("is never written when stderr is a pipe", async () => {
    for (const args of [["verify"], ["export"], ["export", "--format", "csv"], ["prove", "--session", "s-big"], ["purge", "--older-than", "90d", "--dry-run"]]) {
      const r = await runCli([...args, "--dir", big]);
      expect(r.stderr, args.join(" ")).not.toMatch(PROGRESS);
      expect(r.stdout, args.join(" ")).not.toMatch(PROGRESS);
    }
  }, 120_000);

  it("is shown on a terminal and cleared at the end, but never with --json", async () => {
    const shown = await runInTerminal(["verify", "--dir", big], "");
    expect(shown.screen).toContain("verify: 4,096 events read…");
    expect(shown.screen).toContain("\r\x1b[K"); // cleared
    const proving = await runInTerminal(["prove", "--session", "s-big", "--out", join(scratch(), "bundle.json"), "--dir", big], "");
    expect(proving.screen).toContain("prove: 1,024 events read…");
    const purging = await runInTerminal(["purge", "--older-than", "90d", "--dir", big], "n\n");
    expect(purging.screen).toContain("purge: 5,000 events read…");
    expect(purging.code).toBe(1); // answered n: nothing purged

    for (const args of [["verify", "--json"], ["prove", "--session", "s-big", "--json"], ["purge", "--older-than", "90d", "--dry-run", "--json"], ["export", "--json"]]) {
      const quiet = await runInTerminal([...args, "--dir", big], "");
      expect(quiet.screen, args.join(" ")).not.toMatch(PROGRESS);
    }
  }, 120_000);

  it("progressLine: throttled, cleared once, silent for --json and for a non-terminal", () => {
    let written = "";
    let t = 0;
    const tty = { isTTY: true, write: (s: string) => (written += s) };
    const p = progressLine("verify", { json: false, stream: tty, now: () => t });
    p.update(1);
    t = 50;
    p.update(2); // within 100 ms: skipped
    t = 200;
    p.update(3000);
    p.done();
    p.done();
    expect(written).toBe("\r\x1b[Kverify: 1 event read…\r\x1b[Kverify: 3,000 events read…\r\x1b[K");
    for (const [json, isTTY] of [[true, true], [false, false]] as const) {
      let out = "";
      const q = progressLine("verify", { json, stream: { isTTY, write: (s: string) => (out += s) } });
      q.update(10);
      q.done();
      expect(out).toBe("");
    }
  });
});
