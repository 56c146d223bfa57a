// A local stand-in for a tracing backend, used by the forwarding examples when no real account is
// configured: it accepts every POST, prints what arrived, and answers 200.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function startStub(label: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      console.log(`[${label} stub] ${req.method} ${req.url} (${body.length} bytes) ${body.slice(0, 160).replace(/\s+/g, " ")}…`);
      res.writeHead(req.method === "GET" ? 200 : 202, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}
