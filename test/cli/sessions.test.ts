// `query` and `sessions` on a real trail, through the built CLI in a child process.
import { describe, expect, it } from "vitest";
import { AIMessage, fakeModel } from "langchain";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { tempDir } from "../helpers.js";
import { cli } from "../faults/harness.js";

/** Three sessions of two users, written through the handler with a real model run each. */
async function threeSessions(): Promise<string> {
  const dir = tempDir("audit-sessions-");
  const trail = createAuditTrail({ sinks: [jsonlSink({ dir })] });
  for (const [session, user, question] of [["s-a", "u-1", "First question"], ["s-b", "u-2", "Second question"], ["s-c", "u-1", "Third question"]] as const) {
    await fakeModel().respond(new AIMessage(`Answer to ${question}`)).invoke(question, { callbacks: [trail.handler()], metadata: { session_id: session, user_id: user } });
  }
  await trail.shutdown();
  return dir;
}

describe("agent-audit query and sessions", () => {
  it("query prints each session under its own header", async () => {
    const dir = await threeSessions();
    const r = await cli(["query", "--dir", dir]);
    expect(r.code).toBe(0);
    const headers = r.out.split("\n").filter((l) => l.startsWith("Session "));
    expect(headers.map((h) => h.split(" ")[1])).toEqual(["s-a", "s-b", "s-c"]);
    // Each session's events sit below its own header, not another's.
    const blocks = r.out.split(/\n(?=Session )/);
    expect(blocks[1]).toContain("Second question");
    expect(blocks[1]).not.toContain("First question");
    expect(blocks[2]).toContain("Third question");
  });

  it("after erasing a user, sessions lists the other sessions and no phantom row for the tombstones", async () => {
    const dir = await threeSessions();
    expect((await cli(["erase", "--yes", "--dir", dir, "--user", "u-1", "--reason", "Art. 17 request"])).code).toBe(0);
    const r = await cli(["sessions", "--dir", dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("s-b");
    expect(r.out).not.toMatch(/s-a|s-c|\(no session\)/);
    // The chain still verifies with the tombstones in it.
    expect((await cli(["verify", "--dir", dir])).code).toBe(0);
  });
});
