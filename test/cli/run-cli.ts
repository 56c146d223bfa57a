// Runs the built CLI (dist/) in a child process, as a user would: piped (no terminal), or inside a
// pseudo-terminal made by util-linux `script`, typing an answer. And scratch directories that are
// removed when the test ends, whether it passed or not.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, onTestFinished } from "vitest";

export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with stdin, stdout and stderr all pipes: what a script or CI sees. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI inside a pseudo-terminal (stdin, stdout and stderr are the terminal), with `typed` sent
 * as keystrokes. Returns the exit code and the terminal's transcript (both streams, and the echo).
 */
export function runInTerminal(args: string[], typed: string, env: Record<string, string> = {}): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, CLI, ...args].map(quote).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let screen = "";
    child.stdout.on("data", (d: Buffer) => (screen += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (screen += d.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, screen }));
    child.stdin.end(typed);
  });
}

/** A temporary directory removed when the current test finishes (pass or fail). */
export function scratch(prefix = "audit-cli-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** This test file's own key store: the trails it makes create their key there, CLI children inherit it. */
export function useOwnKeyStore(): void {
  let keyDir: string;
  const previous = process.env.AGENT_AUDIT_KEY_DIR;
  beforeAll(() => {
    keyDir = mkdtempSync(join(tmpdir(), "audit-cli-keys-"));
    process.env.AGENT_AUDIT_KEY_DIR = keyDir;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.AGENT_AUDIT_KEY_DIR;
    else process.env.AGENT_AUDIT_KEY_DIR = previous;
    rmSync(keyDir, { recursive: true, force: true });
  });
}
