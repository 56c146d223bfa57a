/**
 * The Ed25519 key that signs checkpoints. From options (a KeyObject or PEM), or a key file created
 * on first use under `$AGENT_AUDIT_KEY_DIR` (default `~/.agent-audit/`), owner-only — never in the
 * trail directory, where whoever can rewrite the trail could also re-sign it.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, isAbsolute } from "node:path";

export function defaultKeyFile(): string {
  return join(process.env.AGENT_AUDIT_KEY_DIR || join(homedir(), ".agent-audit"), "signing-key.pem");
}

export function loadOrCreateSigningKey(options: { signingKey?: KeyObject | string; keyFile?: string; trailDir?: string }): KeyObject {
  if (options.signingKey) return typeof options.signingKey === "string" ? createPrivateKey(options.signingKey) : options.signingKey;
  const file = resolve(options.keyFile ?? defaultKeyFile());
  if (options.trailDir) {
    const rel = relative(resolve(options.trailDir), file);
    if (!rel.startsWith("..") && !isAbsolute(rel)) {
      throw new Error(`integrity.keyFile: ${file} is inside the trail directory; keep the signing key elsewhere (default ~/.agent-audit/)`);
    }
  }
  if (existsSync(file)) return createPrivateKey(readFileSync(file, "utf8"));
  const { privateKey } = generateKeyPairSync("ed25519");
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, privateKey.export({ type: "pkcs8", format: "pem" }) as string, { mode: 0o600, flag: "wx" });
  return privateKey;
}

/**
 * The signing key if there is one, never creating it: for erasure in a store the trail does not
 * write itself (PostgreSQL), where a key made up on the spot would sign for nobody anyone trusts.
 * Undefined when neither `signingKey` nor the key file is there; `file` says where it looked.
 */
export function existingSigningKey(options: { signingKey?: KeyObject | string; keyFile?: string }): { key: KeyObject | undefined; file: string } {
  const file = resolve(options.keyFile ?? defaultKeyFile());
  if (options.signingKey) return { key: typeof options.signingKey === "string" ? createPrivateKey(options.signingKey) : options.signingKey, file };
  return { key: existsSync(file) ? createPrivateKey(readFileSync(file, "utf8")) : undefined, file };
}

export function publicKeyPem(key: KeyObject): string {
  return (key.type === "private" ? createPublicKey(key) : key).export({ type: "spki", format: "pem" }) as string;
}

/** A short id of a public key, written on each checkpoint so a verifier can tell keys apart. */
export function keyId(key: KeyObject): string {
  return createHash("sha256").update(publicKeyPem(key)).digest("hex").slice(0, 16);
}
