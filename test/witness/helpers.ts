// Test parts for the witness: a log that grows a real RFC 6962 tree over event hashes and signs its
// checkpoints with checkpointNote, a witness on an ephemeral port, and raw HTTP.
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import http from "node:http";
import { onTestFinished } from "vitest";
import { checkpointNote } from "../../src/integrity/checkpoints.js";
import { consistencyProof, eventLeaf, rootOf, type Hash } from "../../src/integrity/merkle.js";
import { createWitnessServer, listen, type WitnessServer, type WitnessServerOptions } from "../../src/witness/server.js";
import { addCheckpointBody } from "../../src/witness/request.js";
import { tempDir } from "../helpers.js";

export class TestLog {
  readonly chainId = randomUUID();
  readonly origin = `agent-audit-trail/${this.chainId}`;
  readonly leaves: Hash[] = [];

  constructor(readonly key: KeyObject = generateKeyPairSync("ed25519").privateKey) {}

  /** Appends `n` events (random event hashes, leaf = SHA-256(0x00 ‖ hash)). */
  grow(n: number): this {
    for (let i = 0; i < n; i++) this.leaves.push(eventLeaf(randomBytes(32).toString("hex")));
    return this;
  }

  get size(): number {
    return this.leaves.length;
  }

  root(size = this.size): Buffer {
    return rootOf(this.leaves, 0, size);
  }

  note(size = this.size): string {
    return checkpointNote(this.key, this.chainId, size, this.root(size).toString("base64"));
  }

  proof(from: number, to = this.size): Buffer[] {
    return from === 0 ? [] : consistencyProof(from, this.leaves.slice(0, to));
  }

  /** The add-checkpoint body from `old` to the current size. */
  body(old: number, size = this.size): string {
    return addCheckpointBody(old, this.proof(old, size), this.note(size));
  }
}

export interface Running {
  server: WitnessServer;
  url: string;
  dir: string;
  witnessKey: KeyObject;
  errors: unknown[];
  close: () => Promise<void>;
}

/** A witness on 127.0.0.1, any free port, closed when the test ends. */
export async function startWitness(options: Partial<WitnessServerOptions> & { logKeys: KeyObject[] }): Promise<Running> {
  const dir = options.dir ?? tempDir("witness-");
  const witnessKey = options.signingKey ?? generateKeyPairSync("ed25519").privateKey;
  const errors: unknown[] = [];
  const server = createWitnessServer({ name: "witness.example/agent-audit", onError: (e) => errors.push(e), ...options, dir, signingKey: witnessKey });
  const { url, close } = await listen(server, { port: 0 });
  let closed = false;
  const once = async () => {
    if (closed) return;
    closed = true;
    await close();
  };
  onTestFinished(once);
  return { server, url, dir, witnessKey, errors, close: once };
}

export interface RawResponse {
  status: number;
  type: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly the method, path, headers and body given. */
export function raw(url: string, options: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = http.request(
      { host: target.hostname, port: target.port, method: options.method ?? "POST", path: options.path ?? "/add-checkpoint", headers: { ...(body && !options.headers?.["transfer-encoding"] ? { "content-length": String(body.length) } : {}), ...options.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The fault suite's seeded PRNG (mulberry32): the same random sizes and mutations on every run. */
export { seeded as prng } from "../faults/harness.js";
