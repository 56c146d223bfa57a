// The part of a forwarded erasure both database sinks share (sinks/shared/forwarded-erasure.ts):
// refused, touching nothing, without the trail's key; with it, the tables first, then the signed
// erasure under that key, labelled as forwarded. The database halves run against real servers in
// test/store/clickhouse.test.ts and test/attacks/postgres-erasure.test.ts.
import { afterEach, describe, expect, it, vi } from "vitest";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { FORWARDED_ERASURE, forwardErasureToDatabase } from "../../src/sinks/shared/forwarded-erasure.js";
import { postgresSink } from "../../src/sinks/postgres.js";
import { clickhouseSink } from "../../src/sinks/clickhouse.js";
import { tempDir } from "../helpers.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("forwardErasureToDatabase", () => {
  it("without the trail's key: refused, naming the sink's fix, and neither migrates nor erases", async () => {
    const keyFile = join(tempDir(), "signing-key.pem"); // absent
    const calls: string[] = [];
    const res = await forwardErasureToDatabase({
      sink: "someSink",
      where: "db.t",
      key: { keyFile },
      ensureReady: async () => void calls.push("ready"),
      erase: async () => (calls.push("erase"), { events: 1, records: [] }),
    });
    expect(res.ok).toBe(false);
    expect(res.detail).toContain(`no signing key at ${keyFile}`);
    expect(res.detail).toContain("give someSink the trail's key (signingKey, or keyFile)");
    expect(calls).toEqual([]);
  });

  it("with the key: the tables first, then the erasure under that very key; the answer counts rows and records", async () => {
    vi.stubEnv("AGENT_AUDIT_KEY_DIR", tempDir()); // the key is trusted in a store of this test's own
    const { privateKey } = generateKeyPairSync("ed25519");
    const calls: string[] = [];
    let used: KeyObject | undefined;
    const res = await forwardErasureToDatabase({
      sink: "someSink",
      where: "db.t",
      key: { signingKey: privateKey },
      ensureReady: async () => void calls.push("ready"),
      erase: async (key) => {
        calls.push("erase");
        used = key;
        return { events: 3, records: [{}, {}] };
      },
    });
    expect(calls).toEqual(["ready", "erase"]);
    expect(used).toBe(privateKey);
    expect(res).toEqual({ ok: true, detail: "3 row(s) tombstoned in db.t under 2 signed erasure record(s)" });
    expect(FORWARDED_ERASURE).toEqual({ actor: "agent-audit-trail", reason: "right to erasure (forwarded)" });
  });

  it("a failing migration or erasure is thrown, for the trail to report as failed", async () => {
    vi.stubEnv("AGENT_AUDIT_KEY_DIR", tempDir());
    const { privateKey } = generateKeyPairSync("ed25519");
    const base = { sink: "s", where: "t", key: { signingKey: privateKey }, erase: async () => ({ events: 0, records: [] }) };
    await expect(forwardErasureToDatabase({ ...base, ensureReady: () => Promise.reject(new Error("no route")) })).rejects.toThrow("no route");
    await expect(forwardErasureToDatabase({ ...base, ensureReady: async () => {}, erase: () => Promise.reject(new Error("denied")) })).rejects.toThrow("denied");
  });
});

describe("the database sinks' erase(traceIds) without a key", () => {
  // Unreachable servers: had either sink tried to migrate or erase, it would throw instead.
  it.each([
    ["postgresSink", (keyFile: string) => postgresSink({ connectionString: "postgres://u@127.0.0.1:1/db", keyFile })],
    ["clickhouseSink", (keyFile: string) => clickhouseSink({ url: "http://127.0.0.1:1", keyFile })],
  ])("%s refuses with its own name in the fix and touches nothing", async (name, make) => {
    const sink = make(join(tempDir(), "signing-key.pem"));
    try {
      const res = await sink.erase!(["trace-1"]);
      expect(res.ok).toBe(false);
      expect(res.detail).toContain(`give ${name} the trail's key`);
    } finally {
      await sink.close?.();
    }
  });
});
