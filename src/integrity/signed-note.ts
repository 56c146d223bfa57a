/**
 * C2SP signed notes (c2sp.org/signed-note): the envelope transparency logs use for checkpoints.
 * A note is UTF-8 text ending in "\n", a blank line, then signature lines
 * "— <key name> <base64(4-byte key id ‖ signature)>\n" (an em dash, U+2014). The signed message is
 * the text including its final newline. Ed25519 keys have type byte 0x01 and key id
 * SHA-256(name ‖ "\n" ‖ 0x01 ‖ 32-byte public key)[:4]. Verifiers ignore signatures from keys they do
 * not know, and reject a note where a known key's signature fails or no known key signed.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

const ED25519 = 0x01;
const DASH = "\u2014 ";

/** The raw 32-byte Ed25519 public key inside a KeyObject (its SPKI DER ends with it). */
function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const der = pub.export({ type: "spki", format: "der" });
  return der.subarray(der.length - 32);
}

export function noteKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash("sha256").update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([ED25519]), rawPublicKey(publicKey)])).digest().subarray(0, 4);
}

/** The verifier key text: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  return `${name}+${noteKeyId(name, publicKey).toString("hex")}+${Buffer.concat([Buffer.from([ED25519]), rawPublicKey(publicKey)]).toString("base64")}`;
}

/** Parses a verifier key text into its name, key id and public key. */
export function parseVerifierKey(vkey: string): { name: string; id: Buffer; publicKey: KeyObject } {
  // The base64 part may itself hold '+': split at the first two only.
  const first = vkey.indexOf("+");
  const second = vkey.indexOf("+", first + 1);
  const [name, idHex, b64] = first > 0 && second > first ? [vkey.slice(0, first), vkey.slice(first + 1, second), vkey.slice(second + 1)] : [];
  if (!name || !idHex || !b64) throw new TypeError("a verifier key looks like <name>+<hex id>+<base64 key>");
  const raw = Buffer.from(b64, "base64");
  if (raw[0] !== ED25519 || raw.length !== 33) throw new TypeError("only Ed25519 verifier keys (type 0x01) are supported");
  // An Ed25519 SPKI DER is a fixed 12-byte prefix followed by the key.
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw.subarray(1)]), format: "der", type: "spki" });
  const id = Buffer.from(idHex, "hex");
  if (!noteKeyId(name, publicKey).equals(id)) throw new TypeError("the verifier key's id does not match its name and key");
  return { name, id, publicKey };
}

function checkName(name: string): void {
  if (!name || /[\s+]/u.test(name)) throw new TypeError("a note key name is non-empty, with no spaces and no '+'");
}

/** Signs `text` (which must end in "\n") as a note with one Ed25519 signature. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  checkName(name);
  if (!text.endsWith("\n")) throw new TypeError("a note's text ends with a newline");
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new TypeError("a note's text holds no control characters but newlines");
  const sig = sign(null, Buffer.from(text), privateKey);
  return `${text}\n${DASH}${name} ${Buffer.concat([noteKeyId(name, privateKey), sig]).toString("base64")}\n`;
}

export interface OpenedNote {
  text: string;
  /** Names of the known keys whose signatures verified. */
  verifiedBy: string[];
}

/**
 * Opens a note with the keys you trust. Throws when no known key signed it, or when a known key's
 * signature fails; signatures of unknown keys are ignored (that is how cosigning works).
 */
export function openNote(note: string, known: ReadonlyArray<{ name: string; publicKey: KeyObject }>): OpenedNote {
  const split = note.lastIndexOf("\n\n");
  if (split === -1 || !note.endsWith("\n")) throw new TypeError("not a signed note (no blank line before the signatures)");
  const text = note.slice(0, split + 1);
  const verifiedBy: string[] = [];
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length > 100) throw new TypeError("too many signature lines");
  for (const line of lines) {
    if (!line.startsWith(DASH)) throw new TypeError("a signature line starts with an em dash and a space");
    const [name, b64, extra] = line.slice(DASH.length).split(" ");
    if (!name || !b64 || extra !== undefined) throw new TypeError("a signature line is '— <name> <base64>'");
    const raw = Buffer.from(b64, "base64");
    for (const k of known) {
      if (k.name !== name || !noteKeyId(name, k.publicKey).equals(raw.subarray(0, 4))) continue;
      if (!verify(null, Buffer.from(text), k.publicKey, raw.subarray(4))) throw new TypeError(`the signature of known key ${name} does not verify`);
      verifiedBy.push(name);
    }
  }
  if (!verifiedBy.length) throw new TypeError("no known key signed this note");
  return { text, verifiedBy };
}
