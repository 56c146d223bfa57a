/**
 * C2SP tlog-cosignature v1 with Ed25519 (c2sp.org/tlog-cosignature, signature type 0x04): what a
 * witness adds to a checkpoint to say "as of this time, this is the largest tree consistent with
 * everything I have seen for this origin".
 *
 *   key ID     = SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4]
 *   message    = "cosignature/v1\n" ‖ "time <ts>\n" ‖ checkpoint body (origin, size, root, extensions)
 *   signature  = key ID ‖ u64 big-endian <ts> ‖ Ed25519(message)     (4 + 8 + 64 = 76 bytes)
 *   line       = "— <name> <base64(signature)>\n"
 *   vkey       = "<name>+<hex key ID>+<base64(0x04 ‖ public key)>"
 *
 * The message does not commit to the witness's name, so the spec requires one key per cosigner; a
 * key ID with type 0x04 also keeps these signatures apart from the log's own 0x01 note signatures.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

export const COSIGNATURE_V1 = 0x04;
const DASH = "\u2014 ";
const SIGNATURE_BYTES = 4 + 8 + 64;
const MAX_TIME = 2n ** 63n - 1n;
// An Ed25519 SPKI DER is this fixed 12-byte prefix followed by the 32-byte key.
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");

/** Who a witness is: a key name (a schema-less URL such as `witness.example/agent-audit`) and its Ed25519 key. */
export interface WitnessIdentity {
  name: string;
  key: KeyObject;
}

/** What a verifier is configured with for one witness. */
export interface WitnessKey {
  name: string;
  publicKey: KeyObject;
}

/** The raw 32-byte Ed25519 public key inside a KeyObject (public or private). */
export function rawEd25519PublicKey(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== "ed25519") throw new TypeError(`a cosignature v1 key is Ed25519, not ${pub.asymmetricKeyType ?? "a secret key"}`);
  const der = pub.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

export function isKeyName(name: string): boolean {
  // signed-note: non-empty, no Unicode spaces, no '+'.
  return name.length > 0 && !/[\s+]/u.test(name);
}

function checkName(name: string): void {
  if (!isKeyName(name)) throw new TypeError("a witness name is non-empty, with no spaces and no '+'");
}

export function cosignatureKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash("sha256")
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([COSIGNATURE_V1]), rawEd25519PublicKey(publicKey)]))
    .digest()
    .subarray(0, 4);
}

/** The witness's verifier key text, what log operators and verifiers configure. */
export function witnessVerifierKey(name: string, key: KeyObject): string {
  checkName(name);
  const material = Buffer.concat([Buffer.from([COSIGNATURE_V1]), rawEd25519PublicKey(key)]);
  return `${name}+${cosignatureKeyId(name, key).toString("hex")}+${material.toString("base64")}`;
}

/** Parses a cosignature v1 verifier key; refuses other types (a 0x01 log key is not a witness key). */
export function parseWitnessVerifierKey(vkey: string): WitnessKey & { id: Buffer } {
  // The base64 part may itself hold '+': split at the first two only.
  const first = vkey.indexOf("+");
  const second = vkey.indexOf("+", first + 1);
  if (first <= 0 || second <= first + 1 || second === vkey.length - 1) throw new TypeError("a verifier key looks like <name>+<hex id>+<base64 key>");
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const raw = Buffer.from(vkey.slice(second + 1), "base64");
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new TypeError("a verifier key's id is 8 lowercase hex digits");
  if (raw[0] !== COSIGNATURE_V1 || raw.length !== 33) throw new TypeError("not a cosignature v1 verifier key (type 0x04, 32-byte Ed25519 key)");
  const publicKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI, raw.subarray(1)]), format: "der", type: "spki" });
  const id = Buffer.from(idHex, "hex");
  if (!cosignatureKeyId(name, publicKey).equals(id)) throw new TypeError("the verifier key's id does not match its name and key");
  return { name, id, publicKey };
}

/** The checkpoint body of a note (the text before its signatures), or the body itself if given one. */
export function checkpointBody(noteOrBody: string): string {
  // A checkpoint body has no empty lines, so the last blank line, if any, starts the signatures.
  const split = noteOrBody.lastIndexOf("\n\n");
  return split === -1 ? noteOrBody : noteOrBody.slice(0, split + 1);
}

/** The exact bytes a v1 cosignature signs. */
export function cosignedMessage(body: string, time: number | bigint): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${BigInt(time)}\n${body}`);
}

/**
 * Cosigns a checkpoint body at `timeSeconds` (POSIX seconds, never 0: tlog-witness forbids
 * omitting the time). Returns the signature line, ending in "\n", ready to append to the note.
 */
export function cosign(checkpointBodyText: string, name: string, key: KeyObject, timeSeconds: number): string {
  checkName(name);
  if (key.type !== "private") throw new TypeError("cosigning needs the witness's private key");
  if (!checkpointBodyText.endsWith("\n") || checkpointBodyText.includes("\n\n") || checkpointBodyText.length < 2) {
    throw new TypeError("a checkpoint body is non-empty lines, each ending in a newline");
  }
  if (!Number.isSafeInteger(timeSeconds) || timeSeconds <= 0) throw new RangeError("a cosignature's time is a positive whole number of seconds");
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(BigInt(timeSeconds));
  const sig = sign(null, cosignedMessage(checkpointBodyText, timeSeconds), key);
  return `${DASH}${name} ${Buffer.concat([cosignatureKeyId(name, key), stamp, sig]).toString("base64")}\n`;
}

export interface ParsedCosignature {
  name: string;
  keyId: Buffer;
  /** POSIX seconds, as signed. */
  time: bigint;
  signature: Buffer;
}

/**
 * Reads the framing of a cosignature v1 line ("— <name> <base64>", with or without its newline):
 * name, key ID, timestamp, signature. Answers undefined for anything else (a 0x01 log signature
 * is 68 bytes, an ML-DSA one far longer). Says nothing about validity: see verifyCosignature.
 */
export function parseCosignatureLine(line: string): ParsedCosignature | undefined {
  const text = line.endsWith("\n") ? line.slice(0, -1) : line;
  if (!text.startsWith(DASH)) return undefined;
  const parts = text.slice(DASH.length).split(" ");
  if (parts.length !== 2) return undefined;
  const [name, b64] = parts as [string, string];
  if (!isKeyName(name) || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const raw = Buffer.from(b64, "base64");
  if (raw.length !== SIGNATURE_BYTES) return undefined;
  return { name, keyId: raw.subarray(0, 4), time: raw.readBigUInt64BE(4), signature: raw.subarray(12) };
}

export type CosignatureCheck = { ok: true; time: number } | { ok: false; reason: string };

/**
 * Checks one cosignature line against a checkpoint (a whole note or just its body) and the witness
 * you trust. `time` is the signed timestamp in POSIX seconds.
 */
export function verifyCosignature(noteOrBody: string, line: string, witness: WitnessKey): CosignatureCheck {
  const parsed = parseCosignatureLine(line);
  if (!parsed) return { ok: false, reason: "not a cosignature v1 line" };
  if (parsed.name !== witness.name) return { ok: false, reason: `signed by ${parsed.name}, not ${witness.name}` };
  let id: Buffer;
  try {
    id = cosignatureKeyId(witness.name, witness.publicKey);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
  // Same name, other ID: another key, or another signature type (a 0x01 key ID never matches).
  if (!parsed.keyId.equals(id)) return { ok: false, reason: "key ID does not match the witness key (another key or signature type)" };
  if (parsed.time > MAX_TIME) return { ok: false, reason: "timestamp beyond 2^63 - 1" };
  // Beyond 2^53 seconds is hundreds of millions of years ahead: a future time, which verifiers may refuse.
  if (parsed.time > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: "timestamp in the far future" };
  const body = checkpointBody(noteOrBody);
  if (!verify(null, cosignedMessage(body, parsed.time), witness.publicKey, parsed.signature)) return { ok: false, reason: "signature does not verify" };
  return { ok: true, time: Number(parsed.time) };
}
