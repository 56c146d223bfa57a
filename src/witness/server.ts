/**
 * An HTTP witness (c2sp.org/tlog-witness) for our logs' checkpoints, on Node's own http.
 *
 *   POST /add-checkpoint             old size, consistency proof, signed checkpoint → cosignature
 *   GET  /<hex sha256(origin)>/checkpoint   the latest cosigned checkpoint (monitors)
 *
 * The answers are the spec's, checked in this order: 400 malformed body; 404 origin not ours;
 * 403 no valid signature by a trusted log key, or a trusted key's signature fails; 400 old size
 * beyond the checkpoint's; then, under the origin's lock, 409 (`<size>\n`, text/x.tlog.size) when
 * `old` is not the size held (0 for a new origin); 422 when the proof does not verify, the size is
 * the same but the root is not, or an empty tree has another root; 200 with the cosignature line.
 * A 422 on a checkpoint a trusted log signed is also written to evidence.jsonl: a signed
 * checkpoint that does not extend what the witness cosigned is what a fork looks like.
 *
 * Our logs sign their notes under key name = origin (`agent-audit-trail/<chain>`), so a trusted
 * log key K signs origin O when a signature line names O with K's key ID for name O.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";
import { emptyRoot, verifyConsistency } from "../integrity/merkle.js";
import { noteKeyId } from "../integrity/signed-note.js";
import { cosign, isKeyName, rawEd25519PublicKey, witnessVerifierKey } from "./cosignature.js";
import { parseAddCheckpoint, type AddCheckpointRequest, type ParsedCheckpoint } from "./request.js";
import { WitnessState, lockStateDir, type HeldCheckpoint } from "./state.js";

export interface WitnessServerOptions {
  /** The state directory (created 0700). One witness process per directory. */
  dir: string;
  /** The witness's key name, e.g. `witness.example/agent-audit`. */
  name: string;
  /** The witness's Ed25519 private key; never a log's key. */
  signingKey: KeyObject;
  /** Public keys of the logs whose checkpoints this witness cosigns (Ed25519). */
  logKeys: readonly KeyObject[];
  /** Origins this witness knows: those starting with this (default `agent-audit-trail/`; "" for any). */
  originPrefix?: string;
  /** Request bodies beyond this get 413 (default 64 KiB). */
  maxBodyBytes?: number;
  /** The cosignature's time in POSIX seconds (default: the clock). */
  now?: () => number;
  /** Unexpected failures (a full disk): the client gets a bare 500, the error comes here. */
  onError?: (err: unknown) => void;
}

export interface WitnessServer extends Server {
  /** The witness's verifier key text, to give to logs and verifiers. */
  readonly verifierKey: string;
  readonly witnessName: string;
}

const TEXT = "text/plain; charset=utf-8";
const SIZE_TYPE = "text/x.tlog.size";
const DEFAULT_MAX_BODY = 64 * 1024;
const CHECKPOINT_PATH = /^\/([0-9a-f]{64})\/checkpoint$/;

interface Answer {
  status: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

const answer = (status: number, body: string, type = TEXT, headers: Record<string, string> = {}): Answer => ({ status, body: body.endsWith("\n") ? body : `${body}\n`, type, headers });

export function createWitnessServer(options: WitnessServerOptions): WitnessServer {
  const { name, signingKey } = options;
  if (!isKeyName(name)) throw new TypeError("the witness name is non-empty, with no spaces and no '+'");
  if (signingKey.type !== "private") throw new TypeError("signingKey is the witness's private key");
  const vkey = witnessVerifierKey(name, signingKey);
  const logKeys = options.logKeys.map((k) => (k.type === "private" ? createPublicKey(k) : k));
  if (!logKeys.length) throw new TypeError("a witness needs at least one trusted log key");
  const witnessRaw = rawEd25519PublicKey(signingKey);
  for (const k of logKeys) {
    // A witness cosigning with a log's own key would attest nothing independent of that log.
    if (rawEd25519PublicKey(k).equals(witnessRaw)) throw new TypeError("the witness key must not be one of the log keys");
  }
  const prefix = options.originPrefix ?? "agent-audit-trail/";
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const onError = options.onError ?? (() => {});
  const release = lockStateDir(options.dir);
  let state: WitnessState;
  try {
    state = new WitnessState(options.dir);
  } catch (err) {
    release();
    throw err;
  }

  const knownOrigin = (origin: string) => isKeyName(origin) && origin.startsWith(prefix) && origin.length > prefix.length;

  /** The verified log signature lines, or why the note is refused (403). */
  const logSignatures = (cp: ParsedCheckpoint): { lines: string[] } | { refused: string } => {
    const trusted = logKeys.map((key) => ({ key, id: noteKeyId(cp.origin, key) }));
    const lines: string[] = [];
    for (const sig of cp.signatures) {
      if (sig.name !== cp.origin) continue;
      for (const t of trusted) {
        if (!t.id.equals(sig.raw.subarray(0, 4))) continue;
        let ok = false;
        try {
          ok = verify(null, Buffer.from(cp.body), t.key, sig.raw.subarray(4));
        } catch {
          // a signature of the wrong length: it fails
        }
        if (!ok) return { refused: "a signature by a trusted log key does not verify" };
        if (!lines.includes(sig.line)) lines.push(sig.line);
      }
    }
    return lines.length ? { lines } : { refused: "no signature by a trusted log key" };
  };

  /** Why the checkpoint is not consistent with what is held (422), if it is not. */
  const inconsistency = (req: AddCheckpointRequest, held: HeldCheckpoint | undefined): string | undefined => {
    const { old, proof, checkpoint: cp } = req;
    if (cp.size === 0n && !cp.root.equals(emptyRoot())) return "a checkpoint of size 0 has the empty tree's root";
    if (old === 0n) return proof.length ? "from size 0 the consistency proof is empty" : undefined;
    const heldRoot = held?.root ?? emptyRoot();
    if (old === cp.size) {
      if (!cp.root.equals(heldRoot)) return "same size as the checkpoint held, different root";
      return proof.length ? "between equal sizes the consistency proof is empty" : undefined;
    }
    return verifyConsistency(old, cp.size, heldRoot, cp.root, proof) ? undefined : "the consistency proof does not verify";
  };

  const addCheckpoint = async (body: Buffer): Promise<Answer> => {
    const parsed = parseAddCheckpoint(body);
    if (!parsed.ok) return answer(400, parsed.message);
    const req = parsed.value;
    const cp = req.checkpoint;
    if (!knownOrigin(cp.origin)) return answer(404, "unknown origin");
    const sigs = logSignatures(cp);
    if ("refused" in sigs) return answer(403, sigs.refused);
    if (req.old > cp.size) return answer(400, "the old size is larger than the checkpoint's size");
    return state.exclusive(cp.origin, async () => {
      const held = await state.read(cp.origin);
      const heldSize = held?.size ?? 0n;
      if (req.old !== heldSize) return answer(409, `${heldSize}\n`, SIZE_TYPE);
      const problem = inconsistency(req, held);
      if (problem) {
        try {
          state.recordEvidence({
            at: new Date().toISOString(),
            origin: cp.origin,
            reason: problem,
            old: req.old.toString(),
            held: held ? { size: held.size.toString(), root: held.root.toString("base64") } : { size: "0" },
            proof: req.proof.map((p) => p.toString("base64")),
            checkpoint: `${cp.body}\n${sigs.lines.join("\n")}\n`,
          });
        } catch (err) {
          // The refusal stands whether or not the evidence could be written.
          onError(err);
        }
        return answer(422, problem);
      }
      const time = now();
      const cosignature = cosign(cp.body, name, signingKey, time);
      // Monitors get the body, the log signatures the witness verified, and its cosignature.
      const checkpoint = `${cp.body}\n${sigs.lines.join("\n")}\n${cosignature}`;
      await state.write({ origin: cp.origin, size: cp.size, root: cp.root, checkpoint, cosignedAt: time });
      return answer(200, cosignature);
    });
  };

  const latest = async (hex: string): Promise<Answer> => {
    const held = await state.readHash(hex);
    return held ? answer(200, held.checkpoint) : answer(404, "no checkpoint cosigned for that origin");
  };

  /** The body, up to the limit; undefined past it (413). */
  const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
    new Promise((resolve, reject) => {
      const declared = Number(req.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBody) return resolve(undefined);
      const chunks: Buffer[] = [];
      let total = 0;
      req.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxBody) {
          req.removeAllListeners("data");
          req.pause();
          resolve(undefined);
        } else chunks.push(chunk);
      });
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
      // A client that hangs up mid-body gets neither "end" nor always "error"; settle anyway.
      req.on("close", () => {
        if (!req.complete) reject(Object.assign(new Error("the client went away"), { code: "ECONNRESET" }));
      });
    });

  const route = async (req: IncomingMessage): Promise<Answer> => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path === "/add-checkpoint") {
      if (req.method !== "POST") return answer(405, "add-checkpoint is a POST", TEXT, { allow: "POST" });
      const body = await readBody(req);
      if (!body) return answer(413, `the body is limited to ${maxBody} bytes`, TEXT, { connection: "close" });
      return addCheckpoint(body);
    }
    const m = CHECKPOINT_PATH.exec(path);
    if (m) {
      if (req.method !== "GET" && req.method !== "HEAD") return answer(405, "checkpoint is a GET", TEXT, { allow: "GET, HEAD" });
      return latest(m[1]!);
    }
    return answer(404, "not found");
  };

  const send = (res: ServerResponse, a: Answer) => {
    const body = Buffer.from(a.body);
    res.writeHead(a.status, { "content-type": a.type ?? TEXT, "content-length": String(body.length), "cache-control": "no-store", "x-content-type-options": "nosniff", ...a.headers });
    res.end(body);
  };

  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    route(req).then(
      (a) => send(res, a),
      (err: unknown) => {
        // A client that went away needs no answer; anything else is ours: no details, no stack.
        if (res.destroyed || res.writableEnded) return;
        onError(err);
        if (!res.headersSent) send(res, answer(500, "internal error"));
        else res.destroy();
      },
    );
  }) as WitnessServer;
  Object.defineProperty(server, "verifierKey", { value: vkey, enumerable: true });
  Object.defineProperty(server, "witnessName", { value: name, enumerable: true });
  server.on("close", release);
  return server;
}

/** Listens (port 0: any free port) and answers the base URL and a close that waits for it. */
export async function listen(server: Server, options: { port?: number; host?: string } = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8417, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
