// The built CLI reads through the index by default, says in one line when the engine cannot load
// (simulated by naming a module that does not exist) and then answers from the scan, the same.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { tempDir } from "../helpers.js";

const CLI = join(import.meta.dirname, "../../dist/cli/main.js");
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

describe("agent-audit with the columnar index", () => {
  it("stats/query use the index, --no-index and a missing engine give the same answer, index --rebuild recreates it", async () => {
    const dir = tempDir();
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], redaction: false });
    for (let i = 0; i < 40; i++) {
      trail.emit({ level: i % 7 ? "info" : "error", type: i % 7 ? "tool_end" : "tool_error", name: `t${i % 3}`, session_id: `s${i % 4}`, data: { tool: `t${i % 3}` }, duration_ms: i * 3, time: Date.parse("2026-11-01T00:00:00Z") + i * 3_600_000 });
    }
    await trail.shutdown();
    const indexed = run(["stats", "--json", "--dir", dir]);
    expect(indexed.status).toBe(0);
    expect(existsSync(join(dir, ".index", "manifest.json"))).toBe(true);
    const scanned = run(["stats", "--json", "--dir", dir, "--no-index"]);
    expect(scanned.stdout).toBe(indexed.stdout);
    const missing = run(["stats", "--json", "--dir", dir], { AGENT_AUDIT_INDEX_ENGINE: "no-such-duckdb-module" });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toBe(indexed.stdout);
    expect(missing.stderr.trim().split("\n").filter((l) => l.includes("columnar index"))).toHaveLength(1);
    expect(missing.stderr).toMatch(/columnar index unavailable .*streaming scan/);
    expect(indexed.stderr).not.toMatch(/columnar index/);
    const q1 = run(["query", "--json", "--dir", dir, "--session", "s1"]);
    const q2 = run(["query", "--json", "--dir", dir, "--session", "s1", "--no-index"]);
    expect(q1.stdout).toBe(q2.stdout);
    expect(q1.stdout.trim().split("\n")).toHaveLength(10);
    const s1 = run(["sessions", "--json", "--dir", dir]);
    const s2 = run(["sessions", "--json", "--dir", dir, "--no-index"]);
    expect(s1.status).toBe(0);
    expect(JSON.parse(s1.stdout)).toHaveLength(4);
    expect(s1.stdout).toBe(s2.stdout);
    // show: one session through the index, and a line that cannot be read reported the same both ways.
    const closed = readdirSync(dir).filter((f) => f.startsWith("2026-11-01") && f.endsWith(".jsonl"))[0]!;
    appendFileSync(join(dir, closed), "{not json\n");
    const shown = run(["show", "s2", "--json", "--dir", dir]);
    const shownScan = run(["show", "s2", "--json", "--dir", dir, "--no-index"]);
    expect(shown.status).toBe(0);
    expect(shown.stdout.trim().split("\n")).toHaveLength(10);
    expect(shown.stdout).toBe(shownScan.stdout);
    expect(shown.stderr).toBe(shownScan.stderr);
    expect(shown.stderr).toMatch(/skipped .*2026-11-01/);
    expect(shown.stderr).not.toMatch(/columnar index/);
    const rebuilt = run(["index", "--rebuild", "--dir", dir]);
    expect(rebuilt.status).toBe(0);
    expect(rebuilt.stdout).toMatch(/Indexed \d+ closed segment\(s\), 40 events/);
  }, 120_000);
});
