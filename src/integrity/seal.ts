/**
 * The hash chain. Each sealed event commits to its content through a salted digest
 * (`content_hash` = SHA-256 of `salt` and the canonical content fields) and to everything before it
 * through `prev_hash`; `hash` = SHA-256 of `prev_hash` and the canonical envelope, in which the
 * content appears only as `content_hash`. So:
 *   - changing, removing, inserting or reordering any event breaks the chain at that point;
 *   - erasing an event's content (GDPR) keeps the chain whole: `content_hash` stays, the content
 *     and its salt go (without the salt, the digest cannot be tested against guesses).
 */
import * as crypto from "node:crypto";
import { createHash, randomFillSync } from "node:crypto";
import type { AuditEvent } from "../events/schema.js";
import { canonicalJson } from "./canonical.js";
import { SEALED_LINE } from "../format/trail-format.js";
import { eventLeafBin, MerkleFrontier } from "./merkle.js";
import { TreeWindow } from "./tree-files.js";

/** The fields that hold what an event is about (personal data lives here), erasable. */
export const CONTENT_FIELDS = ["session_id", "user_id", "name", "tags", "metadata", "data", "enc"] as const;
/** Added after sealing, so outside the hash. */
const UNHASHED = new Set(["hash", "erased", ...CONTENT_FIELDS, "salt"]);

export const GENESIS = "0".repeat(64);

// crypto.hash (Node ≥ 20.12) is a one-shot digest about twice as fast as createHash for short input.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;
const sha256 = oneShot ? (text: string) => oneShot("sha256", text, "hex") : (text: string) => createHash("sha256").update(text).digest("hex");

/** The content fields in canonical (sorted) order, without building an intermediate object. */
const CONTENT_ORDER = ["data", "enc", "metadata", "name", "session_id", "tags", "user_id"] as const;
const CONTENT_FIRST = CONTENT_ORDER.map((k) => `{"${k}":`);
const CONTENT_NEXT = CONTENT_ORDER.map((k) => `,"${k}":`);

function canonicalContent(e: AuditEvent): string {
  let out = "";
  for (let i = 0; i < CONTENT_ORDER.length; i++) {
    const v = e[CONTENT_ORDER[i]!];
    if (v === undefined) continue;
    out += (out ? CONTENT_NEXT[i] : CONTENT_FIRST[i]) + canonicalJson(v);
  }
  return out ? out + "}" : "{}";
}

export function contentHash(salt: string, event: AuditEvent): string {
  return sha256(`${salt}\n${canonicalContent(event)}`);
}

const SALT_KEY = `","salt":"`;
/** Content of this many characters or more is hashed and written from one UTF-8 encoding. */
const LARGE_CONTENT = 16 * 1024;
const HASH_KEY = `,"hash":"`;

/** Envelope fields in canonical (sorted) order; any other field takes the general path. */
const ENVELOPE = ["chain_id", "content_hash", "duration_ms", "id", "level", "parent_run_id", "prev_hash", "redactions", "run_id", "schema_version", "seq", "status", "trace_id", "truncated", "ts", "type"] as const;
const KNOWN = new Set<string>([...ENVELOPE, ...UNHASHED]);

// `"key":` and `,"key":` for each envelope field, built once: this runs twice per event (seal, verify).
const FIRST = ENVELOPE.map((k) => `{"${k}":`);
const NEXT = ENVELOPE.map((k) => `,"${k}":`);

function canonicalEnvelope(event: AuditEvent): string {
  for (const k in event) if (!KNOWN.has(k)) return general(event);
  let out = "";
  for (let i = 0; i < ENVELOPE.length; i++) {
    const v = event[ENVELOPE[i]!];
    if (v === undefined) continue;
    // Numbers as JSON.stringify writes them (NaN and Infinity as null), which String() matches for finite ones.
    out += (out ? NEXT[i] : FIRST[i]) + (typeof v === "number" ? (Number.isFinite(v) ? String(v) : "null") : canonicalJson(v));
  }
  return out ? out + "}" : "{}";
}

function general(event: AuditEvent): string {
  const env: Record<string, unknown> = {};
  for (const k of Object.keys(event)) if (!UNHASHED.has(k)) env[k] = event[k as keyof AuditEvent];
  return canonicalJson(env);
}

export function envelopeHash(event: AuditEvent): string {
  return sha256(`${event.prev_hash ?? GENESIS}\n${canonicalEnvelope(event)}`);
}

// Salts come from a block of random bytes, one syscall per 256 events.
const pool = Buffer.alloc(16 * 256);
let at = pool.length;
function salt(): string {
  if (at + 16 > pool.length) {
    randomFillSync(pool);
    at = 0;
  }
  at += 16;
  return pool.toString("hex", at - 16, at);
}

/** Seals events of one chain in order, and keeps the chain's RFC 6962 tree over their hashes. */
export class Sealer {
  private prev = GENESIS;
  private readonly tree = new MerkleFrontier();
  private readonly windows: TreeWindow[] = [];

  /** A window over the leaves sealed from now on, for one checkpoint file's proofs and tree files. */
  openWindow(): TreeWindow {
    const w = new TreeWindow(() => this.tree.snapshot());
    this.windows.push(w);
    return w;
  }

  /** The last hash sealed (what a checkpoint signs). */
  get lastHash(): string {
    return this.prev;
  }

  /** The Merkle root over every event hash sealed so far (base64), what a checkpoint's note signs. */
  get treeRoot(): string {
    return this.tree.root().toString("base64");
  }

  /**
   * Seals `event` in place and attaches the line it is written as (`SEALED_LINE`): the canonical
   * envelope and content that were just hashed, joined with the hash and salt. The line's keys are
   * the envelope's in sorted order, then `hash` and `salt`, then the content's in sorted order.
   */
  seal(event: AuditEvent): void {
    const s = salt();
    const content = canonicalContent(event);
    event.salt = s;
    // A large content is encoded to UTF-8 once, for its digest and its line alike.
    const bytes = content.length >= LARGE_CONTENT ? Buffer.from(content) : undefined;
    event.content_hash = bytes ? createHash("sha256").update(`${s}\n`).update(bytes).digest("hex") : sha256(`${s}\n${content}`);
    event.prev_hash = this.prev;
    const envelope = canonicalEnvelope(event);
    event.hash = sha256(`${this.prev}\n${envelope}`);
    const head = envelope.slice(0, -1) + HASH_KEY + event.hash + SALT_KEY + s;
    (event as { [SEALED_LINE]?: string | Buffer })[SEALED_LINE] =
      content.length <= 2 ? `${head}"}` : bytes ? Buffer.concat([Buffer.from(`${head}",`), bytes.subarray(1)]) : `${head}",${content.slice(1)}`;
    this.prev = event.hash;
    const leaf = eventLeafBin(event.hash);
    const tile = this.tree.push(leaf);
    for (const w of this.windows) w.add(leaf, tile);
  }
}
