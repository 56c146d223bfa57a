// erase and purge on a trail directory, through the built CLI: the plan first, then a question on a
// terminal (a real pseudo-terminal via util-linux `script`), a refusal without --yes elsewhere,
// nothing changed by --dry-run. "Nothing changed" is checked byte for byte on every file of the
// trail except the access log (which records each look, by design), and by verify still passing.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { PassThrough } from "node:stream";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { confirmChange } from "../../src/cli/confirm.js";
import { runCli, runInTerminal, scratch, useOwnKeyStore } from "./run-cli.js";

useOwnKeyStore();

const DAY = 86_400_000;

/** Two users; u-old's 4 events 120 days ago (their own segment), 6 recent ones of u-1 and u-2. */
async function trailDir(): Promise<string> {
  const dir = scratch();
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })], exitHandlers: false });
  const old = Date.now() - 120 * DAY;
  for (let i = 0; i < 4; i++) trail.emit({ level: "info", type: "custom", name: "old", user_id: "u-old", session_id: "s-old", data: { i }, time: old + i });
  for (let i = 0; i < 6; i++) trail.record({ type: "custom", name: "tick", user_id: i % 2 ? "u-2" : "u-1", session_id: `s-${i % 2}`, data: { i } });
  await trail.shutdown();
  return dir;
}

/** Every file's bytes, by path, except the access log (reads are recorded there by design). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!relative(dir, path).startsWith(".access")) files.set(relative(dir, path), readFileSync(path, "base64"));
    }
  };
  walk(dir);
  return files;
}

/** Tombstones in the trail's segments. */
function erasedLines(dir: string): number {
  const lines = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).flatMap((f) => readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean));
  return lines.filter((l) => JSON.parse(l).erased).length;
}

async function expectVerifies(dir: string): Promise<void> {
  const r = await runCli(["verify", "--dir", dir]);
  expect(r.stdout).toMatch(/✓ .* intact/);
  expect(r.code).toBe(0);
}

describe("agent-audit erase on a trail directory", { timeout: 120_000 }, () => {
  it("without --yes and without a terminal, prints the plan, refuses naming --yes, and changes nothing", async () => {
    const dir = await trailDir();
    const before = snapshot(dir);
    const r = await runCli(["erase", "--dir", dir, "--user", "u-1", "--reason", "Art. 17"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Erase user "u-1" in .*: 3 events in 1 file \(1 chain, 1 session\), from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d to .* UTC\./);
    expect(r.stdout).toContain("sessions: s-0");
    expect(r.stderr).toMatch(/refusing to erase without confirmation.*Pass --yes/);
    expect(snapshot(dir)).toEqual(before);
    await expectVerifies(dir);
  });

  it("--dry-run prints the plan (as JSON with --json) and changes nothing, exit 0", async () => {
    const dir = await trailDir();
    const before = snapshot(dir);
    const text = await runCli(["erase", "--dir", dir, "--user", "u-1", "--dry-run"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Erase user "u-1"');
    expect(text.stdout).toContain("--dry-run: nothing was changed.");
    const json = await runCli(["erase", "--dir", dir, "--user", "u-1", "--dry-run", "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ dry_run: true, plan: { user: "u-1", events: 3, sessions: ["s-0"] } });
    expect(snapshot(dir)).toEqual(before);
    await expectVerifies(dir);
  });

  it("--yes erases exactly what the plan said; --json output stays one JSON document", async () => {
    const dir = await trailDir();
    const r = await runCli(["erase", "--dir", dir, "--user", "u-1", "--yes", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ events: 3 });
    expect(r.stderr).toContain('Erase user "u-1"'); // the plan, on stderr with --json
    expect(erasedLines(dir)).toBe(3);
    const again = await runCli(["erase", "--dir", dir, "--user", "u-1", "--dry-run", "--json"]);
    expect(JSON.parse(again.stdout).plan.events).toBe(0);
    await expectVerifies(dir);
  });

  it("on a terminal: 'n' aborts with exit 1 and changes nothing, 'y' erases", async () => {
    const dir = await trailDir();
    const before = snapshot(dir);
    expect(erasedLines(dir)).toBe(0);
    const no = await runInTerminal(["erase", "--dir", dir, "--user", "u-1"], "n\n");
    expect(no.screen).toMatch(/Erase\? \[y\/N\]/);
    expect(no.screen).toContain("Aborted; nothing was changed.");
    expect(no.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
    // Anything but y/yes is a no, an empty line (just Enter) included.
    const enter = await runInTerminal(["erase", "--dir", dir, "--user", "u-1"], "\n");
    expect(enter.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);

    const yes = await runInTerminal(["erase", "--dir", dir, "--user", "u-1"], "y\n");
    expect(yes.screen).toMatch(/Erased 3 events in 1 file of/);
    expect(yes.code).toBe(0);
    expect(erasedLines(dir)).toBe(3);
    await expectVerifies(dir);
  });
});

describe("agent-audit purge on a trail directory", { timeout: 120_000 }, () => {
  it("refuses without --yes off a terminal, --dry-run changes nothing, --yes purges what the plan showed", async () => {
    const dir = await trailDir();
    const before = snapshot(dir);
    const refused = await runCli(["purge", "--dir", dir, "--older-than", "90d"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^Purge .*: 1 segment of days before \d{4}-\d\d-\d\d \(UTC\): 4 events of 1 chain and 1 user, from /);
    expect(refused.stdout).toContain("users: u-old");
    expect(refused.stderr).toMatch(/refusing to purge without confirmation.*Pass --yes/);
    expect(snapshot(dir)).toEqual(before);

    const dry = await runCli(["purge", "--dir", dir, "--older-than", "90d", "--dry-run", "--json"]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, plan: { events: 4, users: ["u-old"] } });
    expect(snapshot(dir)).toEqual(before);
    await expectVerifies(dir);

    const no = await runInTerminal(["purge", "--dir", dir, "--older-than", "90d"], "no\n");
    expect(no.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);

    const done = await runCli(["purge", "--dir", dir, "--older-than", "90d", "--yes"]);
    expect(done.stdout).toContain("Purged 1 segment, 4 events before");
    expect(done.code).toBe(0);
    expect([...snapshot(dir).keys()].filter((f) => f.endsWith(".jsonl") && !f.startsWith("."))).toHaveLength(1);
    await expectVerifies(dir);
  });

  it("a plan with nothing in it needs no confirmation: nothing changes", async () => {
    const dir = await trailDir();
    const before = snapshot(dir);
    const r = await runCli(["purge", "--dir", dir, "--older-than", "365d"]);
    expect(r.stdout).toContain("no segment is older than");
    expect(r.stdout).toContain("Purged 0 segments, 0 events");
    expect(r.code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("confirmChange (injected streams)", () => {
  const terminal = (typed: string | undefined) => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    if (typed !== undefined) input.end(typed);
    const prompt = new PassThrough();
    let asked = "";
    prompt.on("data", (d: Buffer) => (asked += d.toString()));
    return { io: { input, prompt }, asked: () => asked };
  };

  it("asks on a terminal and goes on only for y or yes", async () => {
    for (const [typed, go] of [["y\n", true], ["YES\n", true], ["n\n", false], ["\n", false], ["sure\n", false], ["", false]] as const) {
      const t = terminal(typed);
      const d = await confirmChange("erase", { yes: false }, t.io);
      expect(d.go, JSON.stringify(typed)).toBe(go);
      expect(t.asked()).toBe("Erase? [y/N] ");
      if (!d.go) expect(d).toMatchObject({ code: 1, message: "Aborted; nothing was changed." });
    }
  });

  it("never asks with --yes, and refuses when the input is not a terminal", async () => {
    const t = terminal(undefined);
    expect(await confirmChange("purge", { yes: true }, t.io)).toEqual({ go: true });
    expect(t.asked()).toBe("");
    const piped = { input: new PassThrough(), prompt: new PassThrough() };
    piped.input.end("y\n"); // a "y" from a pipe is not a person's answer
    expect(await confirmChange("purge", { yes: false }, piped)).toMatchObject({ go: false, code: 1, message: expect.stringContaining("Pass --yes") });
  });
});
