// `agent-audit witness serve` as shipped: the built CLI in a child process (npm run build first; npm
// test does), and its usage errors in-process.
import { describe, expect, it, onTestFinished } from "vitest";
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { keyId, publicKeyPem } from "../../src/integrity/keys.js";
import { main } from "../../src/cli/main.js";
import { addCheckpoint } from "../../src/witness/client.js";
import { parseWitnessVerifierKey, verifyCosignature } from "../../src/witness/cosignature.js";
import { tempDir } from "../helpers.js";
import { TestLog } from "./helpers.js";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

interface Started {
  url: string;
  vkey: string;
  output: string[];
  stop: () => Promise<{ code: number | null; stderr: string }>;
}

/** Runs `agent-audit witness serve …` and waits for it to print where it listens. */
function serveWitness(args: string[], env: Record<string, string>): Promise<Started> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const proc = spawn(process.execPath, [CLI, "witness", "serve", ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  onTestFinished(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  const output: string[] = [];
  let stderr = "";
  proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.on("exit", (code) => resolve({ code, stderr })));
  return new Promise((resolve, reject) => {
    let buffered = "";
    proc.stdout.on("data", (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      output.push(...lines);
      if (!output.includes("Ctrl-C to stop.")) return;
      const url = /^agent-audit witness on (http:\/\/\S+) /.exec(output[0] ?? "")?.[1];
      const vkey = /^witness key: (\S+)$/.exec(output[1] ?? "")?.[1];
      if (!url || !vkey) return reject(new Error(`unexpected output:\n${output.join("\n")}`));
      resolve({ url, vkey, output, stop: () => (proc.kill("SIGTERM"), exited) });
    });
    void exited.then(({ code, stderr }) => reject(new Error(`witness exited ${code} before listening: ${stderr}`)));
  });
}

describe("agent-audit witness serve (built CLI)", () => {
  it("prints its URL and verifier key, cosigns what that key verifies, and keeps key and state across restarts", async () => {
    const root = tempDir("witness-cli-");
    const log = new TestLog().grow(12);
    const logKeyFile = join(root, "log.pub.pem");
    writeFileSync(logKeyFile, publicKeyPem(log.key));
    const keyFile = join(root, "keys", "witness-key.pem");
    const args = ["--dir", join(root, "state"), "--port", "0", "--name", "witness.example/cli", "--key-file", keyFile, "--log-key", logKeyFile];
    const env = { AGENT_AUDIT_KEY_DIR: join(root, "keystore") };

    const first = await serveWitness(args, env);
    expect(first.output[2]).toContain(`trusting 1 log key: ${keyId(log.key)}`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const witness = parseWitnessVerifierKey(first.vkey);
    expect(witness.name).toBe("witness.example/cli");
    const res = await addCheckpoint(first.url, { oldSize: 0, proof: [], note: log.note() });
    expect(res.status).toBe("cosigned");
    const line = res.status === "cosigned" ? res.cosignatures[0]! : "";
    expect(verifyCosignature(log.note(), line, witness).ok).toBe(true);
    expect(await first.stop()).toMatchObject({ code: 0 });

    // Restarted: the same identity, and it remembers size 12.
    const second = await serveWitness(args, env);
    expect(second.vkey).toBe(first.vkey);
    expect(await addCheckpoint(second.url, { oldSize: 0, proof: [], note: log.note() })).toEqual({ status: "conflict", size: 12 });
    log.grow(5);
    expect((await addCheckpoint(second.url, { oldSize: 12, proof: log.proof(12), note: log.note() }, { witness })).status).toBe("cosigned");
    expect(await second.stop()).toMatchObject({ code: 0 });
  });

  it("trusts the local key store's keys when no --log-key is given", async () => {
    const root = tempDir("witness-cli-");
    const log = new TestLog().grow(3);
    const store = join(root, "keystore");
    mkdirSync(join(store, "trusted-keys"), { recursive: true, mode: 0o700 });
    writeFileSync(join(store, "trusted-keys", `${keyId(log.key)}.pem`), publicKeyPem(log.key));
    const w = await serveWitness(["--dir", join(root, "state"), "--port", "0"], { AGENT_AUDIT_KEY_DIR: store });
    // The witness key went to the key store, beside (never as) the trail's signing key.
    expect(existsSync(join(store, "witness-key.pem"))).toBe(true);
    expect(parseWitnessVerifierKey(w.vkey).name).toMatch(/\/agent-audit-witness$/);
    expect((await addCheckpoint(w.url, { oldSize: 0, proof: [], note: log.note() })).status).toBe("cosigned");
    await w.stop();
  });
});

describe("agent-audit witness: usage", () => {
  async function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("explains mistakes, and the main help lists the command", async () => {
    expect((await run(["--help"])).out).toContain("witness serve");
    expect((await run(["witness", "--help"])).out).toContain("--log-key <file>");
    expect(await run(["witness"])).toMatchObject({ code: 2, err: expect.stringContaining("witness needs a command: serve") });
    expect(await run(["witness", "serve"])).toMatchObject({ code: 2, err: expect.stringContaining("--dir") });
    expect(await run(["witness", "serve", "--dir", tempDir(), "--port", "http"])).toMatchObject({ code: 2, err: expect.stringContaining("--port") });
    expect(await run(["witness", "serve", "--bogus"])).toMatchObject({ code: 2, err: expect.stringContaining("--bogus") });
    const saved = process.env.AGENT_AUDIT_KEY_DIR;
    process.env.AGENT_AUDIT_KEY_DIR = tempDir("empty-keystore-");
    try {
      expect(await run(["witness", "serve", "--dir", tempDir()])).toMatchObject({ code: 2, err: expect.stringContaining("no trusted log keys") });
      expect(await run(["witness", "serve", "--dir", tempDir(), "--key-file", join(process.env.AGENT_AUDIT_KEY_DIR, "signing-key.pem")])).toMatchObject({ code: 2, err: expect.stringContaining("must not be the trail's signing key") });
      const rsa = join(tempDir(), "rsa.pem");
      writeFileSync(rsa, generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }) as string);
      expect(await run(["witness", "serve", "--dir", tempDir(), "--log-key", rsa])).toMatchObject({ code: 1, err: expect.stringContaining("Ed25519") });
    } finally {
      process.env.AGENT_AUDIT_KEY_DIR = saved;
    }
  });
});
