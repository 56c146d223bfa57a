// kill -9 in the middle of delivery, then a restart on the same directory: every event recorded
// reaches the receiver, and any duplicate carries the same id (real processes, a real HTTP server).
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { readTrail } from "../../src/store/jsonl.js";
import { tempDir } from "../helpers.js";

const SECRET = `whsec_${Buffer.from("crash-test-secret-32-bytes-long!!").toString("base64")}`;
const child = fileURLToPath(new URL("../fixtures/deliver-child.ts", import.meta.url));

function run(dir: string, url: string, count: number, onRecorded?: (kill: () => void) => void) {
  const p = spawn(process.execPath, ["--import", "tsx", child, dir, url, SECRET, String(count)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  p.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("recorded") && onRecorded) {
      const cb = onRecorded;
      onRecorded = undefined;
      cb(() => p.kill("SIGKILL"));
    }
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => p.on("exit", (code, signal) => resolve({ code, signal, out })));
}

describe("a crash mid-delivery", () => {
  it("kill -9 while batches are in flight, then a restart: every event arrives, duplicates only with the same id", async () => {
    const received: string[] = [];
    const receiver = new Webhook(SECRET);
    let requests = 0;
    let firstRequest: () => void = () => {};
    const sawFirst = new Promise<void>((r) => (firstRequest = r));
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const payload = receiver.verify(body, headers) as { data: { events: Array<{ id: string }> } };
      requests++;
      firstRequest();
      // Slow enough that the first process dies with batches unacknowledged.
      setTimeout(() => {
        received.push(...payload.data.events.map((e) => e.id));
        res.writeHead(200).end();
      }, 100);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const dir = tempDir();
    try {
      const first = run(dir, url, 300, async (kill) => {
        await sawFirst;
        await new Promise((r) => setTimeout(r, 250)); // a couple of batches in, most still to go
        kill();
      });
      const crashed = await first;
      expect(crashed.signal).toBe("SIGKILL");
      const deliveredBeforeCrash = new Set(received).size;
      expect(deliveredBeforeCrash).toBeLessThan(300);

      const second = await run(dir, url, 50);
      expect(second.code).toBe(0);
      const report = JSON.parse(second.out.split("\n").find((l) => l.startsWith("{"))!);
      expect(report.result.complete).toBe(true);

      const written: string[] = [];
      for await (const e of readTrail(dir)) written.push(e.id);
      expect(written).toHaveLength(350);
      const unique = new Set(received);
      expect([...unique].sort()).toEqual([...written].sort()); // all of them, nothing else
      expect(requests).toBeGreaterThan(2);
    } finally {
      server.close();
    }
  }, 60_000);
});
