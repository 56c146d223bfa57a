/**
 * Encryption at rest for the local trail: an event's content fields are sealed together as one
 * AES-256-GCM blob (`enc`, with the event id as associated data so blobs cannot be swapped between
 * events). The hash chain is computed over the encrypted form, so `verify` needs no key; reading
 * the content does.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { AuditEvent } from "../events/schema.js";
import { CONTENT_FIELDS } from "./seal.js";

export function encryptEvent(event: AuditEvent, key: Buffer): AuditEvent {
  const content: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) {
    if ((CONTENT_FIELDS as readonly string[]).includes(k) && k !== "enc") content[k] = v;
    else out[k] = v;
  }
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(event.id));
  const body = Buffer.concat([cipher.update(JSON.stringify(content), "utf8"), cipher.final()]);
  out.data = {};
  out.enc = Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  return out as AuditEvent;
}

/** The event with its content restored; throws if the key is wrong or the blob was altered. */
export function decryptEvent(event: AuditEvent, key: Buffer): AuditEvent {
  if (!event.enc) return event;
  const raw = Buffer.from(event.enc, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(event.id));
  decipher.setAuthTag(raw.subarray(12, 28));
  const content = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")) as Record<string, unknown>;
  const { enc: _enc, ...rest } = event;
  return { ...rest, ...content } as AuditEvent;
}
