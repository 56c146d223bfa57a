// "Did you mean …?": a misspelt option or command of the built CLI, and a misspelt option key of
// createAuditTrail or a sink in the installed package (dist/), each in a child process.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { webhookSink } from "../../src/sinks/webhook.js";
import { runCli } from "./run-cli.js";

const PACKAGE = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

describe("the CLI suggests the nearest valid name", { timeout: 120_000 }, () => {
  it("for a misspelt option, exit 2", async () => {
    const r = await runCli(["query", "--sesion", "s-1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("agent-audit: unknown option --sesion; did you mean --session?");
    expect((await runCli(["erase", "--dry-runn", "--user", "u"])).stderr).toContain("unknown option --dry-runn; did you mean --dry-run?");
  });

  it("for a misspelt command, exit 2", async () => {
    const r = await runCli(["sesions"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "sesions"; did you mean "sessions"?');
  });

  it("and makes no guess for a name that is not close to any", async () => {
    const option = await runCli(["query", "--frobnicate"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option --frobnicate");
    expect(option.stderr).not.toContain("did you mean");
    const command = await runCli(["frobnicate"]);
    expect(command.stderr).toContain('unknown command "frobnicate"');
    expect(command.stderr).not.toContain("did you mean");
  });
});

describe("createAuditTrail and sink options suggest the nearest valid key", () => {
  it("in the installed package", async () => {
    const script = `import { createAuditTrail } from ${JSON.stringify(PACKAGE)};
try { createAuditTrail({ levle: "info", exitHandlers: false }); } catch (err) { console.log(err.name + ": " + err.message); }`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script]);
    expect(stdout).toContain('AuditConfigError: agent-audit-trail: createAuditTrail: invalid options');
    expect(stdout).toContain('unknown option "levle"; did you mean "level"?');
  });

  it("for nested options, sinks and several keys at once; far-off keys get no guess", () => {
    expect(() => createAuditTrail({ sinks: [], exitHandlers: false, integrity: { keyFil: "k.pem" } } as never)).toThrow(/integrity: unknown option "keyFil"; did you mean "keyFile"\?/);
    expect(() => jsonlSink({ dri: ".audit" } as never)).toThrow(/unknown option "dri"; did you mean "dir"\?/);
    expect(() => webhookSink({ url: "https://x.test/", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", delivery: { timoutMs: 10 } } as never)).toThrow(/delivery: unknown option "timoutMs"; did you mean "timeoutMs"\?/);
    const both = (() => {
      try {
        createAuditTrail({ levle: "info", zzzzzz: 1, exitHandlers: false } as never);
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(both).toContain('unknown option "levle"; did you mean "level"?');
    expect(both).toContain('unknown option "zzzzzz"; check the spelling against the documented options');
  });
});
