// Attacks on the trust anchor and on the trail's history, through the CLI on trails written by
// child processes: replacing the trail with one signed by another key, deleting checkpoints,
// cutting the tail together with its checkpoints, deleting a whole chain, forking the history.
// Each asserts the exact finding and a non-zero exit; where only a witness can see the attack,
// the test shows that too.
import { describe, expect, it } from "vitest";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers.js";
import { cli, runChild } from "../faults/harness.js";


async function verify(dir: string, extra: string[] = []): Promise<{ code: number; kinds: string[]; warnings: string[] }> {
  const r = await cli(["verify", "--dir", dir, "--json", ...extra]);
  const report = JSON.parse(r.out) as { problems: Array<{ kind: string }>; warnings: Array<{ kind: string }> };
  return { code: r.code, kinds: [...new Set(report.problems.map((p) => p.kind))], warnings: report.warnings.map((w) => w.kind) };
}

async function writeTrail(count: number, extra: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<{ dir: string; chain: string }> {
  const dir = tempDir();
  const child = runChild({ dir, count, then: "shutdown", timeoutMs: 10_000, printIds: false, ...extra }, { env });
  const exit = await child.exit;
  expect(exit.code, exit.stderr).toBe(0);
  const chain = readdirSync(dir).find((f) => f.endsWith(".jsonl"))!.slice(11, 47);
  return { dir, chain };
}

const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter(Boolean);

describe("a trust anchor outside the trail", () => {
  it("attack 4: the whole trail replaced by one signed with another key is untrusted_key, whatever public-key.pem it carries", async () => {
    const { dir } = await writeTrail(10);
    // The attacker's own writer, with its own key store (its own signing key).
    const theirKeys = tempDir("attacker-keys-");
    const { dir: theirs } = await writeTrail(10, {}, { AGENT_AUDIT_KEY_DIR: theirKeys });
    rmSync(dir, { recursive: true, force: true });
    cpSync(theirs, dir, { recursive: true });
    const found = await verify(dir);
    expect(found.code).toBe(1);
    expect(found.kinds).toContain("untrusted_key");
  });

  it("a pinned trail whose key changes is called out by name", async () => {
    const { dir } = await writeTrail(5);
    expect((await cli(["trust", "add", dir])).code).toBe(0);
    const theirKeys = tempDir("attacker-keys-");
    const { dir: theirs } = await writeTrail(5, {}, { AGENT_AUDIT_KEY_DIR: theirKeys });
    rmSync(dir, { recursive: true, force: true });
    cpSync(theirs, dir, { recursive: true });
    const r = await cli(["verify", "--dir", dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/untrusted_key.*pinned to key [0-9a-f]+.*the trail's key changed/);
  });

  it("with no trusted key at all, verify says how to pin one (untrusted_key, exit 1)", async () => {
    const { dir } = await writeTrail(3);
    const empty = tempDir("no-keys-");
    const r = await cli(["verify", "--dir", dir], { AGENT_AUDIT_KEY_DIR: empty });
    expect(r.code).toBe(1);
    expect(r.out).toContain("untrusted_key");
    expect(r.out).toContain("agent-audit trust add");
  });
});

describe("the history: checkpoints deleted, tails cut, chains deleted, forks", () => {
  it("attack 3: every checkpoint deleted is unsealed, even with --public-key; past checkpointEvery events it is a problem", async () => {
    const { dir, chain } = await writeTrail(12);
    // The verifier's own copy of the real key, kept elsewhere.
    const pem = join(tempDir(), "writer.pem");
    cpSync(join(dir, ".digests", "public-key.pem"), pem);
    rmSync(join(dir, ".digests", `${chain}.jsonl`));
    const small = await verify(dir, ["--public-key", pem]);
    expect(small.code).not.toBe(0);
    expect([...small.kinds, ...small.warnings]).toContain("unsealed");

    const { dir: big, chain: bigChain } = await writeTrail(1_200, { integrity: { checkpointEvery: 1000 } });
    rmSync(join(big, ".digests", `${bigChain}.jsonl`));
    const found = await verify(big);
    expect(found).toMatchObject({ code: 1, kinds: ["unsealed"] });
  });

  it("attack 5: the tail cut together with its checkpoints passes without a witness, and is truncated against one", async () => {
    const witness = tempDir("audit-witness-");
    const { dir, chain } = await writeTrail(40, { integrity: { checkpointEvery: 10, witness } });
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
    writeFileSync(seg, lines(seg).slice(0, 25).join("\n") + "\n");
    const digest = join(dir, ".digests", `${chain}.jsonl`);
    // Checkpoints are signed at seq 1, then every 10: 11, 21, 31, and 40 at shutdown.
    writeFileSync(digest, lines(digest).filter((l) => JSON.parse(l).seq <= 21).join("\n") + "\n");
    // Within one checkpoint interval and under checkpointEvery: a crash could leave just this.
    expect((await verify(dir)).kinds).toEqual([]);
    const against = await verify(dir, ["--witness", witness]);
    expect(against).toMatchObject({ code: 1, kinds: ["truncated"] });
  });

  it("attack 5: a whole chain deleted (segments and checkpoints) is deleted_chain against the witness", async () => {
    const witness = tempDir("audit-witness-");
    const { dir, chain } = await writeTrail(15, { integrity: { witness } });
    for (const f of readdirSync(dir).filter((f) => f.includes(chain))) rmSync(join(dir, f));
    rmSync(join(dir, ".digests", `${chain}.jsonl`));
    expect((await verify(dir)).kinds).toEqual([]); // nothing left to compare against
    expect(await verify(dir, ["--witness", witness])).toMatchObject({ code: 1, kinds: ["deleted_chain"] });
  });

  it("a fork (the history rewritten and re-signed with the real key) shows against the witness", async () => {
    const witness = tempDir("audit-witness-");
    const { dir, chain } = await writeTrail(20, { integrity: { checkpointEvery: 10, witness } });
    // Re-sign a different hash for seq 11 in the trail's own digest file, as a key holder could.
    const { createPrivateKey, sign } = await import("node:crypto");
    const { canonicalJson } = await import("../../src/integrity/canonical.js");
    const key = createPrivateKey(readFileSync(join(process.env.AGENT_AUDIT_KEY_DIR!, "signing-key.pem"), "utf8"));
    const digest = join(dir, ".digests", `${chain}.jsonl`);
    writeFileSync(
      digest,
      lines(digest)
        .map((l) => {
          const cp = JSON.parse(l) as Record<string, unknown>;
          if (cp.seq !== 11) return l;
          const unsigned: Record<string, unknown> = { ...cp, hash: "f".repeat(64) };
          delete unsigned.sig;
          return JSON.stringify({ ...unsigned, sig: sign(null, Buffer.from(canonicalJson(unsigned)), key).toString("base64") });
        })
        .join("\n") + "\n",
    );
    const found = await verify(dir, ["--witness", witness]);
    expect(found.code).toBe(1);
    expect(found.kinds).toContain("fork");
  });

  it("checkpoints of one chain moved to another are replaced (their hashes are not that chain's)", async () => {
    const a = await writeTrail(10);
    const b = await writeTrail(10);
    cpSync(join(b.dir, ".digests", `${b.chain}.jsonl`), join(a.dir, ".digests", `${a.chain}.jsonl`));
    const found = await verify(a.dir);
    expect(found.code).toBe(1);
    expect(found.kinds.some((k) => ["replaced", "forged_checkpoint"].includes(k))).toBe(true);
  });
});
