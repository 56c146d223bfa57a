/**
 * What replaces a detected value. `replace` and `mask` are irreversible; `hash` gives a keyed
 * pseudonym (the same value always maps to the same token, so joins and counts still work, and
 * without the key nobody can test guesses against it); `encrypt` is reversible by whoever holds the
 * key (investigators), with AES-256-GCM so a tampered token fails to open.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

export const OPERATORS = ["replace", "mask", "hash", "drop", "encrypt"] as const;
export type Operator = (typeof OPERATORS)[number];

export interface OperatorKeys {
  hashKey?: Buffer;
  encryptionKey?: Buffer;
}

/** 20 hex digits = 80 bits of the HMAC: collisions stay negligible for any realistic trail. */
const PSEUDONYM_HEX = 20;

export function applyOperator(op: Operator, entity: string, value: string, keys: OperatorKeys): string {
  switch (op) {
    case "replace":
      return `[${entity}]`;
    case "drop":
      return "";
    case "mask":
      return mask(value);
    case "hash": {
      const digest = createHmac("sha256", keys.hashKey!).update(`${entity}\u0000${value}`).digest("hex");
      return `<${entity}:${digest.slice(0, PSEUDONYM_HEX)}>`;
    }
    case "encrypt":
      return `<${entity}:enc:${encrypt(entity, value, keys.encryptionKey!)}>`;
  }
}

/** Keeps at most the last 4 letters or digits (a card's last four); separators stay readable. */
function mask(value: string): string {
  let keep = value.length >= 8 ? 4 : 0;
  let out = "";
  for (let i = value.length - 1; i >= 0; i--) {
    const ch = value[i]!;
    if (/[A-Za-z0-9]/.test(ch)) {
      out = (keep > 0 ? ch : "*") + out;
      keep--;
    } else {
      out = ch + out;
    }
  }
  return out;
}

function encrypt(entity: string, value: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(entity));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

const ENCRYPTED_TOKEN = /<([A-Z][A-Z0-9_]*):enc:([A-Za-z0-9_-]+)>/g;

/**
 * Opens every `<ENTITY:enc:…>` token in `text` with `key` (32 bytes, or base64/hex of them).
 * Throws if a token was altered or the key is wrong.
 */
export function decryptRedacted(text: string, key: Buffer | string): string {
  const k = parseKey(key, "key");
  return text.replace(ENCRYPTED_TOKEN, (_, entity: string, payload: string) => {
    const raw = Buffer.from(payload, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", k, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(entity));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  });
}

/** A 32-byte key from a Buffer, or from 64 hex digits or base64 of 32 bytes. */
export function parseKey(key: Buffer | string, field: string): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length === 32) return key;
  } else if (/^[0-9a-fA-F]{64}$/.test(key)) {
    return Buffer.from(key, "hex");
  } else {
    const b = Buffer.from(key, "base64");
    if (b.length === 32) return b;
  }
  throw new TypeError(`${field} must be 32 bytes: a Buffer, 64 hex digits, or base64 (generate one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64'))")`);
}

/** An HMAC key: any secret of at least 16 bytes (a string is used as UTF-8). */
export function parseHashKey(key: Buffer | string): Buffer {
  const b = Buffer.isBuffer(key) ? key : Buffer.from(key, "utf8");
  if (b.length < 16) throw new TypeError("hashKey must be at least 16 bytes of secret");
  return b;
}
