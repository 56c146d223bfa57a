// A trail that writes into two directories (its JSONL sink's and a separate spool) treats both as
// first-class trails: each gets this chain's liveness file, signed checkpoints and crash recovery.
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { verifyTrail } from "../../src/integrity/verify.js";
import type { Sink } from "../../src/sinks/types.js";
import { tempDir } from "../helpers.js";

describe("a JSONL directory apart from the spool", () => {
  it("both directories are registered, checkpointed and verify", async () => {
    const a = tempDir();
    const b = tempDir();
    const remote: Sink = { name: "remote", send: async () => ({ ok: true }) };
    const trail = createAuditTrail({ sinks: [jsonlSink({ dir: a }), remote], spool: { dir: b }, delivery: { lingerMs: 0 } });
    for (const dir of [a, b]) expect(existsSync(join(dir, ".delivery", "writers", `${trail.chainId}.json`))).toBe(true);
    for (let i = 0; i < 5; i++) trail.record({ type: "custom", name: "x", data: { i } });
    await trail.shutdown();
    for (const dir of [a, b]) {
      expect(readdirSync(join(dir, ".digests"))).toContain(`${trail.chainId}.jsonl`);
      const report = await verifyTrail(dir);
      expect(report.problems).toEqual([]);
      expect(report.chains[0]!.verified_to?.seq).toBe(5);
      expect(existsSync(join(dir, ".delivery", "writers", `${trail.chainId}.json`))).toBe(false);
    }
  });
});
