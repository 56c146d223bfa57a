/**
 * A local HTTP server that answers as a provider's API does: each route serves a recorded body
 * (a JSON document, a server-sent-event stream or newline-delimited JSON) byte for byte, with the
 * status and content type the real API sends. Streams go out chunk by chunk (one write per event,
 * a short pause between) so that the client's stream parser and the handler's first-token timer see
 * what they would see over the network. Every request is kept for assertions on what was sent.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import type { AddressInfo } from "node:net";

export interface Reply {
  status?: number;
  /** Content type; defaults from the body kind. */
  type?: string;
  headers?: Record<string, string>;
  /** A JSON document sent in one write. */
  json?: string;
  /** A byte stream sent in pieces: SSE events or NDJSON lines, each one write. */
  chunks?: Array<string | Uint8Array>;
  /** Pause between chunks, ms. */
  gapMs?: number;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: unknown;
}

/** A recorded body from test/providers/fixtures, exactly as stored. */
export function fixture(path: string): string {
  return readFileSync(new URL(`./fixtures/${path}`, import.meta.url), "utf8");
}

/** An SSE fixture split into its events (blank-line separated), each sent as one write. */
export function sseChunks(body: string): string[] {
  return body.split(/(?<=\r?\n\r?\n)/).filter((c) => c.length > 0);
}

/** An NDJSON fixture split into its lines. */
export function ndjsonChunks(body: string): string[] {
  return body.split(/(?<=\n)/).filter((c) => c.length > 0);
}

/**
 * A Bedrock stream fixture (one `{"event": type, "payload": {...}}` per line, the payloads as AWS
 * sends them) framed as AWS event-stream messages, the binary framing of ConverseStream:
 * prelude (total length, headers length, CRC32 of both), headers (`:event-type`,
 * `:content-type`, `:message-type`, each as name length u8, name, type 7 = string, value length
 * u16, value), the JSON payload, and a CRC32 of everything before it; all big-endian.
 */
export function eventStreamChunks(body: string): Uint8Array[] {
  return body
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const { event, payload } = JSON.parse(line) as { event: string; payload: unknown };
      return eventStreamMessage({ ":event-type": event, ":content-type": "application/json", ":message-type": "event" }, Buffer.from(JSON.stringify(payload)));
    });
}

function eventStreamMessage(headers: Record<string, string>, payload: Buffer): Buffer {
  const encoded = Object.entries(headers).map(([name, value]) => {
    const n = Buffer.from(name);
    const v = Buffer.from(value);
    const h = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
    h.writeUInt8(n.length, 0);
    n.copy(h, 1);
    h.writeUInt8(7, 1 + n.length);
    h.writeUInt16BE(v.length, 2 + n.length);
    v.copy(h, 4 + n.length);
    return h;
  });
  const headerBytes = Buffer.concat(encoded);
  const total = 12 + headerBytes.length + payload.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, 12);
  payload.copy(message, 12 + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/**
 * `@langchain/openai` estimates a streamed call's tokens with tiktoken, whose encoding it fetches
 * from tiktoken.pages.dev (and retries for minutes when offline; even a 404 is retried). Tests
 * answer that fetch with the same encoding from the `js-tiktoken` package LangChain depends on, so
 * they run offline and fast. The audit trail never uses that estimate: usage comes from the
 * provider's stream.
 */
const ENCODINGS: Record<string, () => Promise<{ default: unknown }>> = {
  gpt2: () => import("js-tiktoken/ranks/gpt2"),
  cl100k_base: () => import("js-tiktoken/ranks/cl100k_base"),
  o200k_base: () => import("js-tiktoken/ranks/o200k_base"),
};

export function serveTokenizerOffline(): () => void {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const encoding = /^https:\/\/tiktoken\.pages\.dev\/js\/(\w+)\.json$/.exec(url)?.[1];
    const load = encoding === undefined ? undefined : ENCODINGS[encoding];
    if (load) {
      const ranks = await load();
      return new Response(JSON.stringify(ranks.default), { status: 200, headers: { "content-type": "application/json" } });
    }
    return original(input, init);
  }) as typeof fetch;
  return () => void (globalThis.fetch = original);
}

export class ProviderServer {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  private routes: Array<{ match: (r: Received) => boolean; reply: Reply | ((r: Received) => Reply) }> = [];

  /** Answers requests for which `match` holds with `reply` (the newest route wins). */
  on(match: string | RegExp | ((r: Received) => boolean), reply: Reply | ((r: Received) => Reply)): this {
    const test = typeof match === "function" ? match : typeof match === "string" ? (r: Received) => r.path.split("?")[0] === match : (r: Received) => match.test(r.path);
    this.routes.unshift({ match: test, reply });
    return this;
  }

  reset(): void {
    this.routes = [];
    this.requests.length = 0;
  }

  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${a.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        const body = Buffer.concat(parts).toString("utf8");
        let json: unknown;
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        const r: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, json };
        this.requests.push(r);
        const route = this.routes.find((x) => x.match(r));
        if (!route) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no fixture for ${r.method} ${r.path}` } }));
          return;
        }
        const reply = typeof route.reply === "function" ? route.reply(r) : route.reply;
        void send(res, reply);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function send(res: import("node:http").ServerResponse, reply: Reply): Promise<void> {
  const type = reply.type ?? (reply.chunks ? "text/event-stream" : "application/json");
  res.writeHead(reply.status ?? 200, { "content-type": type, ...reply.headers });
  if (reply.json !== undefined) {
    res.end(reply.json);
    return;
  }
  for (const chunk of reply.chunks ?? []) {
    res.write(chunk);
    await new Promise((r) => setTimeout(r, reply.gapMs ?? 2));
  }
  res.end();
}
