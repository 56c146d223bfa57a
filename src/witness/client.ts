/**
 * The log's side of c2sp.org/tlog-witness: submit a checkpoint with a consistency proof from the
 * size the witness last cosigned, get its cosignature back.
 *
 * Every answer of the witness is a result, never an exception: 200 → `cosigned`, 409 → `conflict`
 * with the size the witness holds (resubmit with a proof from there), anything else → `rejected`.
 * Only a failure to talk to it at all (refused, reset, timed out) throws.
 *
 * This does not use the delivery layer's `post` (src/sinks/shared/http.ts): that one unrefs its
 * sockets so background delivery never holds a process open, while a caller awaiting a
 * cosignature wants the request to keep the process alive until it is answered or times out; and
 * the 409 answer is told by its body, which that helper's verdicts are not built around.
 */
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { verifyCosignature, type WitnessKey } from "./cosignature.js";
import { addCheckpointBody, MAX_PROOF_LINES } from "./request.js";

export type AddCheckpointResult =
  | { status: "cosigned"; cosignatures: string[] }
  | { status: "conflict"; size: number }
  | { status: "rejected"; code: number; body: string };

export interface AddCheckpointOptions {
  /** The whole request, connection included (default 10 s). */
  timeoutMs?: number;
  /**
   * The witness you trust: only cosignature lines that verify with it are kept (the spec has
   * clients ignore the others); a 200 with none is `rejected`.
   */
  witness?: WitnessKey;
}

const MAX_RESPONSE = 64 * 1024;
const DASH = "\u2014 ";

/** `url` is the witness's submission prefix (`http://host:port`), or its add-checkpoint URL. */
export async function addCheckpoint(url: string | URL, request: { oldSize: number; proof: readonly Buffer[]; note: string }, options: AddCheckpointOptions = {}): Promise<AddCheckpointResult> {
  const { oldSize, proof, note } = request;
  // Caller mistakes, not witness answers: these are programming errors.
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) throw new RangeError("oldSize is a whole number ≥ 0");
  if (proof.length > MAX_PROOF_LINES || proof.some((p) => p.length !== 32)) throw new RangeError(`a consistency proof is at most ${MAX_PROOF_LINES} hashes of 32 bytes`);
  if (!note.endsWith("\n")) throw new TypeError("a signed note ends with a newline");
  const target = new URL(url);
  if (!target.pathname.endsWith("/add-checkpoint")) target.pathname = `${target.pathname.replace(/\/+$/, "")}/add-checkpoint`;
  const body = Buffer.from(addCheckpointBody(oldSize, proof, note));
  const { status, text } = await send(target, body, options.timeoutMs ?? 10_000);
  return interpret(status, text, note, options.witness);
}

function interpret(status: number, text: string, note: string, witness: WitnessKey | undefined): AddCheckpointResult {
  const rejected = { status: "rejected" as const, code: status, body: text };
  if (status === 409) {
    const m = /^(0|[1-9][0-9]{0,15})\n$/.exec(text);
    const size = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(size) ? { status: "conflict", size } : rejected;
  }
  if (status !== 200) return rejected;
  // One or more signature lines, each ending in a newline.
  if (!text.endsWith("\n")) return rejected;
  const lines = text.slice(0, -1).split("\n");
  if (!lines.length || lines.some((l) => !l.startsWith(DASH))) return rejected;
  const kept = witness ? lines.filter((l) => verifyCosignature(note, l, witness).ok) : lines;
  return kept.length ? { status: "cosigned", cosignatures: kept.map((l) => `${l}\n`) } : rejected;
}

/** A host:port label for errors; never the path, query or credentials of the URL. */
const where = (u: URL) => `${u.protocol}//${u.host}`;

function send(target: URL, body: Buffer, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    if (target.protocol !== "http:" && target.protocol !== "https:") return reject(new TypeError(`a witness URL is http: or https:, not ${target.protocol}`));
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const code = (err as { code?: string }).code ?? "network error";
      reject(Object.assign(new Error(`cannot reach the witness at ${where(target)}: ${code}`), { code, cause: err }));
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on("data", (chunk: Buffer) => {
        // A witness's answers are a few lines; beyond the cap the rest is read and dropped.
        if (total < MAX_RESPONSE) chunks.push(chunk);
        total += chunk.length;
      });
      res.on("end", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).subarray(0, MAX_RESPONSE).toString("utf8") });
      });
      res.on("error", fail);
      res.on("aborted", () => fail(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
    };
    const options = { method: "POST", headers: { "content-type": "text/plain; charset=utf-8", "content-length": String(body.length) } };
    const req = target.protocol === "https:" ? https.request(target, options, onResponse) : http.request(target, options, onResponse);
    // Ref'd on purpose: an awaited cosignature keeps the process alive until answered or timed out.
    const timer = setTimeout(() => {
      const err = Object.assign(new Error("timed out"), { code: "ETIMEDOUT" });
      fail(err);
      req.destroy(err);
    }, timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}
