/**
 * Real HTTP destinations on loopback for a child process (nock cannot reach into another process):
 * each records every request body, decompressed, and answers as the service it stands in for.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync, inflateSync, brotliDecompressSync } from "node:zlib";

export interface Received {
  method: string;
  url: string;
  body: string;
}

export interface Answer {
  status: number;
  /** The reason phrase of the status line (what a server says after the code). */
  reason?: string;
  headers?: Record<string, string>;
  body?: string;
}

type Route = (req: IncomingMessage, body: string) => Answer;

export class Destination {
  readonly received: Received[] = [];
  private server: Server | undefined;

  constructor(
    readonly name: string,
    private readonly route: Route = () => ({ status: 200, body: "{}" }),
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = decode(Buffer.concat(chunks), String(req.headers["content-encoding"] ?? ""));
        this.received.push({ method: req.method ?? "", url: req.url ?? "", body });
        const answer = this.route(req, body);
        if (answer.reason !== undefined) res.writeHead(answer.status, answer.reason, answer.headers);
        else res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? "");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Every body that carried data (not the empty GETs and DELETEs). */
  get bodies(): Received[] {
    return this.received.filter((r) => r.body.length > 0);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Bodies are searched as text; protobuf keeps strings as UTF-8 bytes, so this finds them too. */
function decode(raw: Buffer, encoding: string): string {
  const bytes = encoding.includes("gzip") ? gunzipSync(raw) : encoding.includes("deflate") ? inflateSync(raw) : encoding.includes("br") ? brotliDecompressSync(raw) : raw;
  return bytes.toString("utf8");
}

const JSON_TYPE = { "content-type": "application/json" };
// The Elasticsearch client refuses answers from servers that do not say they are Elasticsearch.
const ELASTIC = { ...JSON_TYPE, "x-elastic-product": "Elasticsearch" };

/** The `_bulk` and index template API, indexing every document. */
export const elasticsearch: Route = (req, body) => {
  if (req.url?.startsWith("/_bulk")) {
    const docs = body.trim().split("\n").filter((_, i) => i % 2 === 1);
    return { status: 200, headers: ELASTIC, body: JSON.stringify({ errors: false, items: docs.map(() => ({ index: { status: 201 } })) }) };
  }
  return { status: 200, headers: ELASTIC, body: JSON.stringify({ acknowledged: true }) };
};

/** LangSmith: `/info` (no compression offered) and the run ingestion endpoints. */
export const langsmith: Route = (req) => (req.method === "GET" ? { status: 200, headers: JSON_TYPE, body: "{}" } : { status: 202, headers: JSON_TYPE, body: "{}" });

/**
 * A destination that refuses every batch for good (400) and, like many APIs, says why by quoting
 * what it got: the request target and the credential. Those are the sink's own configuration, not
 * event content, and the delivery layer must not write them into a dead-letter file unredacted.
 */
export const rejecting: Route = (req) => ({
  status: 400,
  reason: `Bad Request: ${req.url} not allowed for ${String(req.headers.authorization ?? "anonymous")}`,
  body: "{}",
});
