/**
 * The trust anchor lives outside the trail. Whoever can rewrite the trail directory can also
 * replace `.digests/public-key.pem`, so `verify` never trusts a key found there. It trusts, in order:
 * the key the caller passes (`--public-key`, `{ publicKey }`), `AGENT_AUDIT_PUBLIC_KEY` (PEM text or
 * a path to it), and the local key store (`$AGENT_AUDIT_KEY_DIR`, default `~/.agent-audit/`):
 *
 *   trusted-keys/<key_id>.pem   public keys this machine signed trails with (added automatically),
 *                               and keys pinned with `agent-audit trust add <key.pem|dir>`
 *   known-trails.json           { "<absolute trail dir>": "<key_id>" }: first-use pinning, like
 *                               ssh's known_hosts, so a trail whose key changes is called out
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { replaceFileSync } from "../format/replace-file.js";
import { publicKeyFile } from "./checkpoints.js";
import { keyId, publicKeyPem } from "./keys.js";

export const keyStoreDir = () => process.env.AGENT_AUDIT_KEY_DIR || join(homedir(), ".agent-audit");
const trustedDir = () => join(keyStoreDir(), "trusted-keys");
const knownTrailsFile = () => join(keyStoreDir(), "known-trails.json");

/** Adds a public key (or the public half of a private one) to the store; returns its key id. */
export function trustKey(key: KeyObject): string {
  const pem = publicKeyPem(key);
  const id = keyId(key);
  const file = join(trustedDir(), `${id}.pem`);
  if (!existsSync(file)) {
    mkdirSync(trustedDir(), { recursive: true, mode: 0o700 });
    writeFileSync(file, pem, { mode: 0o600 });
  }
  return id;
}

/** Every key in the store, by key id. */
export function storedKeys(): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  if (!existsSync(trustedDir())) return keys;
  for (const name of readdirSync(trustedDir())) {
    if (!name.endsWith(".pem")) continue;
    try {
      const key = createPublicKey(readFileSync(join(trustedDir(), name), "utf8"));
      keys.set(keyId(key), key);
    } catch {
      // not a key: ignored
    }
  }
  return keys;
}

function readKnownTrails(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(knownTrailsFile(), "utf8")) as Record<string, string>;
  } catch {
    return {};
  }
}

/** The key id a trail directory was pinned to, if it was. */
export function pinnedKeyId(dir: string): string | undefined {
  return readKnownTrails()[resolve(dir)];
}

/** Pins a trail directory to a key (and trusts the key). */
export function pinTrail(dir: string, key: KeyObject): string {
  const id = trustKey(key);
  const known = { ...readKnownTrails(), [resolve(dir)]: id };
  mkdirSync(keyStoreDir(), { recursive: true, mode: 0o700 });
  replaceFileSync(knownTrailsFile(), JSON.stringify(known, null, 2));
  return id;
}

/**
 * `agent-audit trust add <key.pem|dir>`: a key file is trusted as it is; a trail directory is pinned
 * to the key it publishes (trust on first use: check it out of band first).
 */
export function trustAdd(target: string): { key_id: string; pinned?: string } {
  const isDir = existsSync(target) && !target.endsWith(".pem") && existsSync(publicKeyFile(target));
  if (isDir) return { key_id: pinTrail(target, createPublicKey(readFileSync(publicKeyFile(target), "utf8"))), pinned: resolve(target) };
  return { key_id: trustKey(createPublicKey(readFileSync(target, "utf8"))) };
}

export type TrustSource = "option" | "environment" | "key store";

/** The keys `verify` may trust for `dir`, and where they came from; never a key from inside `dir`. */
export function trustedKeysFor(publicKey: KeyObject | string | undefined): { keys: Map<string, KeyObject>; source: TrustSource | undefined } {
  const one = (key: KeyObject, source: TrustSource) => ({ keys: new Map([[keyId(key), key]]), source });
  if (publicKey) return one(typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey, "option");
  const env = process.env.AGENT_AUDIT_PUBLIC_KEY;
  if (env) return one(createPublicKey(env.includes("BEGIN") ? env : readFileSync(env, "utf8")), "environment");
  const stored = storedKeys();
  return { keys: stored, source: stored.size ? "key store" : undefined };
}
