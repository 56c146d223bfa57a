/**
 * Post-quantum checkpoint signatures, opt-in (`integrity: { postQuantum: true }`). C2SP
 * tlog-checkpoint recommends that logs sign their checkpoints with ML-DSA-44 cosignatures
 * (c2sp.org/tlog-cosignature, type 0x06); Node 20 has no ML-DSA, so the maintained pure-JS
 * `@noble/post-quantum` (MIT) does the lattice maths. The Ed25519 signature stays: verifiers and
 * the public witness network require one. The second signature line, on the same note:
 *
 *   — <origin> base64(key id ‖ u64 timestamp ‖ 2420-byte ML-DSA-44 signature)
 *   key id = SHA-256(<origin> ‖ "\n" ‖ 0x06 ‖ 1312-byte public key)[:4]
 *   signed = "subtree/v1\n\0" ‖ u8 len ‖ cosigner name ‖ u64 timestamp ‖ u8 len ‖ log origin
 *            ‖ u64 start (0) ‖ u64 end (tree size) ‖ 32-byte root          (TLS presentation, big-endian)
 *
 * The log signs as its own cosigner, so the cosigner name is the origin. Signing costs a few
 * milliseconds, once per checkpoint (every 1,000 events or 60 s), not per event.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { keyStoreDir } from "./trust.js";

export const ML_DSA_44 = 0x06;
const LABEL = Buffer.from("subtree/v1\n\0", "latin1");
const DASH = "\u2014 ";

export interface MlDsaKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export const defaultMlDsaKeyFile = () => join(keyStoreDir(), "ml-dsa-44.seed");

/** The ML-DSA-44 key pair from its 32-byte seed file (base64), created 0600 on first use. */
export function loadOrCreateMlDsaKey(file = defaultMlDsaKeyFile()): MlDsaKeyPair {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  }
  const seed = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (seed.length !== 32) throw new Error(`${file} does not hold a 32-byte ML-DSA-44 seed in base64`);
  return ml_dsa44.keygen(seed);
}

/** An ML-DSA-44 public key from its base64 text (as `agent-audit` prints and stores it). */
export function parseMlDsaPublicKey(text: string): Uint8Array {
  const raw = Buffer.from(text.trim(), "base64");
  if (raw.length !== 1312) throw new TypeError(`an ML-DSA-44 public key is 1312 bytes (base64), got ${raw.length}`);
  return raw;
}

export function mlDsaKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash("sha256").update(Buffer.from(`${name}\n`)).update(Buffer.from([ML_DSA_44])).update(publicKey).digest().subarray(0, 4);
}

const u64 = (n: number | bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const opaque8 = (s: string) => {
  const b = Buffer.from(s, "utf8");
  if (b.length < 1 || b.length > 255) throw new RangeError("a cosigner name or origin is 1–255 bytes");
  return Buffer.concat([Buffer.from([b.length]), b]);
};

/** The `cosigned_message` an ML-DSA-44 cosignature signs (c2sp.org/tlog-cosignature). */
export function cosignedMessage(cosigner: string, timestamp: number, origin: string, start: number, end: number, root: Uint8Array): Buffer {
  if (root.length !== 32) throw new RangeError("a root hash is 32 bytes");
  return Buffer.concat([LABEL, opaque8(cosigner), u64(timestamp), opaque8(origin), u64(start), u64(end), root]);
}

/** Adds the log's ML-DSA-44 signature line to a checkpoint note of (origin, size, root). */
export function addMlDsaSignature(note: string, origin: string, size: number, rootB64: string, key: MlDsaKeyPair, timestamp = Math.floor(Date.now() / 1000)): string {
  const sig = ml_dsa44.sign(cosignedMessage(origin, timestamp, origin, 0, size, Buffer.from(rootB64, "base64")), key.secretKey);
  return `${note}${DASH}${origin} ${Buffer.concat([mlDsaKeyId(origin, key.publicKey), u64(timestamp), sig]).toString("base64")}\n`;
}

/**
 * Checks the ML-DSA-44 line of `publicKey` on a checkpoint note of (origin, size, root): undefined
 * when it verifies, else why not (missing, malformed, bad signature).
 */
export function mlDsaProblem(note: string, origin: string, size: number, rootB64: string, publicKey: Uint8Array): string | undefined {
  const id = mlDsaKeyId(origin, publicKey);
  const lines = note.slice(note.lastIndexOf("\n\n") + 2).split("\n").filter(Boolean);
  const ours: Buffer[] = [];
  for (const l of lines) {
    if (!l.startsWith(`${DASH}${origin} `)) continue;
    const raw = Buffer.from(l.slice(DASH.length + origin.length + 1), "base64");
    if (raw.subarray(0, 4).equals(id)) ours.push(raw);
  }
  if (ours.length === 0) return "no ML-DSA-44 signature by the trusted post-quantum key";
  for (const raw of ours) {
    if (raw.length !== 4 + 8 + 2420) return "a malformed ML-DSA-44 signature line";
    const timestamp = raw.readBigUInt64BE(4);
    if (!ml_dsa44.verify(raw.subarray(12), cosignedMessage(origin, Number(timestamp), origin, 0, size, Buffer.from(rootB64, "base64")), publicKey)) return "its ML-DSA-44 signature does not verify";
  }
  return undefined;
}

export const mlDsaPublicKeyFile = (dir: string) => join(dir, ".digests", "ml-dsa-44.pub");

/** A convenience copy beside the digests, like public-key.pem: verify never trusts it. */
export function publishMlDsaPublicKey(dir: string, publicKey: Uint8Array): void {
  mkdirSync(join(dir, ".digests"), { recursive: true, mode: 0o700 });
  const text = Buffer.from(publicKey).toString("base64") + "\n";
  const file = mlDsaPublicKeyFile(dir);
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text, { mode: 0o644 });
}
