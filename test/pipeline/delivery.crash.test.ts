// kill -9 in the middle of delivery, then a restart on the same directory: every event recorded
// reaches the receiver, and any duplicate carries the same id (real processes, a real HTTP server).
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

  it("a dead writer whose pid now belongs to another process, and a lock left empty by a kill, still get its chain delivered", async () => {
    // Pids are reused (pid_max is often 32,768): a dead writer's pid can name a live process by the
    // time the next trail looks. And the old lock code could be killed between creating the adopt
    // lock and writing its holder, leaving an empty file nobody could read. Neither may strand events.
    const received: string[] = [];
    const receiver = new Webhook(SECRET);
    let up = false;
    const server = createServer(async (req: IncomingMessage, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      if (!up) return void res.writeHead(503).end();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const payload = receiver.verify(body, headers) as { data: { events: Array<{ id: string }> } };
      received.push(...payload.data.events.map((e) => e.id));
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const dir = tempDir();
    try {
      const crashed = await run(dir, url, 40, (kill) => kill());
      expect(crashed.signal).toBe("SIGKILL");
      const writers = join(dir, ".delivery", "writers");
      const [writerFile] = readdirSync(writers).filter((f) => f.endsWith(".json"));
      const chain = writerFile!.slice(0, -".json".length);
      // The dead writer's pid now names this (live) test process, started at another time.
      const writer = JSON.parse(readFileSync(join(writers, writerFile!), "utf8")) as Record<string, unknown>;
      expect(writer.start).toBeDefined(); // the pid's start time is recorded (Linux /proc)
      writeFileSync(join(writers, writerFile!), JSON.stringify({ ...writer, pid: process.pid, start: "1" }));
      writeFileSync(join(dir, ".delivery", "webhook", `${chain}.adopt`), "");

      up = true;
      const second = await run(dir, url, 5);
      expect(second.code).toBe(0);
      const written: string[] = [];
      for await (const e of readTrail(dir)) written.push(e.id);
      expect(written).toHaveLength(45);
      expect([...new Set(received)].sort()).toEqual([...written].sort());
    } finally {
      server.close();
    }
  }, 60_000);
});
