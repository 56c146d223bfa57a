// Diagnostics name the endpoint so an operator can act on them: scheme, host and port, kept as
// written (127.0.0.1 is configuration, not someone's IP address), while userinfo, path, query
// and headers never appear, and data quoted in an error is still redacted.
import { describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { webhookSink } from "../../src/sinks/webhook.js";
import { Diagnostics } from "../../src/pipeline/diagnostics.js";
import { createRedactor } from "../../src/redact/redactor.js";
import { tempDir } from "../helpers.js";

const SECRET = `whsec_${Buffer.from("a-shared-secret-of-32-bytes-long!").toString("base64")}`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("delivery diagnostics", () => {
  it("name scheme, host and port of a failing endpoint; never its credentials, path or query", async () => {
    const port = await closedPort();
    const errors: string[] = [];
    const trail = createAuditTrail({
      sinks: [jsonlSink({ dir: tempDir() }), webhookSink({ url: `http://alice:pa55w0rd@127.0.0.1:${port}/tenant-42/hook?token=tok_secret_value`, secret: SECRET, headers: { authorization: "Bearer hdr_secret" } })],
      delivery: { lingerMs: 0, initialBackoffMs: 20, maxBackoffMs: 50 },
      onError: (e) => errors.push(e.message),
    });
    trail.record({ type: "custom", name: "x", data: {} });
    await trail.flush({ timeoutMs: 400 });
    const lastError = trail.stats().sinks.webhook!.last_error!;
    await trail.shutdown({ timeoutMs: 50 });
    const all = [...errors, lastError].join("\n");
    expect(lastError).toBe(`cannot reach http://127.0.0.1:${port}: ECONNREFUSED`);
    expect(all).toContain(`http://127.0.0.1:${port}`);
    for (const hidden of ["[IP_ADDRESS]", "alice", "pa55w0rd", "tenant-42", "tok_secret_value", "hdr_secret", "/hook"]) expect(all).not.toContain(hidden);
  });

  it("still redact what surrounds the endpoint", () => {
    const d = new Diagnostics([webhookSink({ url: "http://10.1.2.3:8080/x", secret: SECRET })], createRedactor());
    expect(d.sanitize("HTTP 500 from http://10.1.2.3:8080 for bob@example.com at 192.168.7.7")).toBe("HTTP 500 from http://10.1.2.3:8080 for [EMAIL] at [IP_ADDRESS]");
  });
});
