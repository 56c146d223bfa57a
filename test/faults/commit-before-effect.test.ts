// Commit before effect, proven the way it can fail: a real agent (createAgent, the built package)
// killed with SIGKILL at seeded random moments, run after run. Events between commit points are
// batched into one write, so a kill may lose the tail of a step that has not acted yet, and only
// that: every event recorded before a model call or a tool did its work, or before a run returned
// to its caller, must be on disk. The child names those events at each effect
// (children/agent-child.mjs); the next process on the directory must find the chain intact.
import { describe, expect, it } from "vitest";
import { readTrail } from "../../src/store/jsonl.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import { createAuditTrail, jsonlSink } from "../../src/index.js";
import { tempDir } from "../helpers.js";
import { missing, runChild, seeded } from "./harness.js";

const KILLS = 12;
const SEED = Number(process.env.FAULT_SEED ?? 20261205);

describe(`kill -9 of a running agent (seed ${SEED}, ${KILLS} kills)`, () => {
  it("every event before the last started model or tool call, and before each run's return, is on disk", async () => {
    const random = seeded(SEED);
    const dir = tempDir();
    const beforeEffect: string[] = [];
    /** id → which effect it preceded and its type, to say what was lost. */
    const described = new Map<string, string>();
    let effects = 0;
    let runs = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = runChild({ dir, toolsPerRun: 1 + Math.floor(random() * 4), level: random() < 0.25 ? "info" : "debug" }, { child: "agent-child.mjs" });
      await child.waitFor((l) => l.step === "running");
      // Let it run a varying number of agent runs, so the kill lands anywhere in a run.
      await new Promise((res) => setTimeout(res, 30 + Math.floor(random() * 500)));
      child.proc.kill("SIGKILL");
      const exit = await child.exit;
      expect(exit.signal, exit.stderr).toBe("SIGKILL");
      for (const line of child.lines) {
        if (!line.effect) continue;
        effects++;
        if (line.effect === "run_end") runs++;
        beforeEffect.push(...(line.before as string[]));
        (line.before as string[]).forEach((id, i) => described.set(id, `${line.effect} of run ${line.run}: ${(line.types as string[])[i]}`));
      }
    }
    expect(effects).toBeGreaterThan(KILLS * 3);
    expect(runs).toBeGreaterThan(KILLS);

    const onDisk = new Set<string>();
    for await (const e of readTrail(dir)) onDisk.add(e.id);
    expect(missing(beforeEffect, onDisk).map((id) => `${id} (before the ${described.get(id)})`)).toEqual([]);

    // A later process on the directory signs the dead chains' tails and acknowledges any torn
    // line: crash, not tampering.
    const next = createAuditTrail({ sinks: [jsonlSink({ dir })] });
    await next.shutdown();
    const report = await verifyTrail(dir);
    expect(report.problems).toEqual([]);
  }, 180_000);
});
