/**
 * Parsing an add-checkpoint request body (c2sp.org/tlog-witness) and the checkpoint in it
 * (c2sp.org/tlog-checkpoint, inside a c2sp.org/signed-note), strictly: a witness that guesses what
 * a sloppy body meant could cosign something the log never said. Anything malformed is a 400.
 *
 *   old <size>\n            decimal, no leading zeros
 *   <base64 hash>\n ×0..63  the consistency proof
 *   \n
 *   <origin>\n<size>\n<base64 root>\n[<extension>\n…]\n— <name> <base64 sig>\n…
 */

export const MAX_PROOF_LINES = 63;
/** signed-note asks verifiers to accept at least 16; the body size limit bounds it anyway. */
export const MAX_SIGNATURES = 128;
const MAX_U64 = 2n ** 64n - 1n;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
// Standard base64 (RFC 4648 §4) of exactly 32 bytes: 43 characters and one '='.
const HASH_B64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const DASH = "\u2014 ";

export interface SignatureLine {
  /** The line as sent, without its newline. */
  line: string;
  name: string;
  /** Key ID (4 bytes) ‖ signature. */
  raw: Buffer;
}

export interface ParsedCheckpoint {
  origin: string;
  size: bigint;
  root: Buffer;
  /** The signed text: origin, size, root and extension lines, each ending in "\n". */
  body: string;
  signatures: SignatureLine[];
}

export interface AddCheckpointRequest {
  old: bigint;
  proof: Buffer[];
  checkpoint: ParsedCheckpoint;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = (message: string): { ok: false; message: string } => ({ ok: false, message });

function decimal(text: string): bigint | undefined {
  if (!DECIMAL.test(text) || text.length > 20) return undefined;
  const n = BigInt(text);
  return n <= MAX_U64 ? n : undefined;
}

function hash(text: string): Buffer | undefined {
  return HASH_B64.test(text) ? Buffer.from(text, "base64") : undefined;
}

function canonicalBase64(text: string): Buffer | undefined {
  if (!text || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const raw = Buffer.from(text, "base64");
  // Node decodes leniently; only the one canonical spelling of the bytes is accepted.
  return raw.toString("base64") === text ? raw : undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function parseAddCheckpoint(bytes: Buffer): Parsed<AddCheckpointRequest> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return fail("the body is not valid UTF-8");
  }
  // signed-note: no ASCII control characters but newline (this also refuses CRLF line ends).
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) return fail("the body holds control characters other than newline");
  const blank = text.indexOf("\n\n");
  if (blank === -1) return fail("no empty line between the consistency proof and the checkpoint");
  const head = text.slice(0, blank).split("\n");
  const [oldLine, ...proofLines] = head as [string, ...string[]];
  const oldText = oldLine.startsWith("old ") ? oldLine.slice(4) : undefined;
  const old = oldText === undefined ? undefined : decimal(oldText);
  if (old === undefined) return fail('the first line is "old <size>", the size in decimal without leading zeros');
  if (proofLines.length > MAX_PROOF_LINES) return fail(`at most ${MAX_PROOF_LINES} consistency proof lines`);
  const proof: Buffer[] = [];
  for (const line of proofLines) {
    const h = hash(line);
    if (!h) return fail("each consistency proof line is one 32-byte hash in base64");
    proof.push(h);
  }
  const checkpoint = parseCheckpointNote(text.slice(blank + 2));
  if (!checkpoint.ok) return checkpoint;
  return { ok: true, value: { old, proof, checkpoint: checkpoint.value } };
}

/** A signed checkpoint note: its body, the parsed origin, size and root, and its signature lines. */
export function parseCheckpointNote(note: string): Parsed<ParsedCheckpoint> {
  if (!note.endsWith("\n")) return fail("the checkpoint ends with a newline");
  const split = note.lastIndexOf("\n\n");
  if (split === -1) return fail("the checkpoint has no signatures (no empty line before them)");
  const body = note.slice(0, split + 1);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3 || lines.some((l) => l === "")) return fail("a checkpoint is an origin, a size and a root hash line, then optional non-empty extension lines");
  const [origin, sizeLine, rootLine] = lines as [string, string, string];
  const size = decimal(sizeLine);
  if (size === undefined) return fail("the checkpoint size is a decimal number without leading zeros");
  const root = hash(rootLine);
  if (!root) return fail("the checkpoint root is a 32-byte hash in base64");
  const sigLines = note.slice(split + 2, -1).split("\n");
  if (sigLines.length > MAX_SIGNATURES) return fail(`at most ${MAX_SIGNATURES} signatures`);
  const signatures: SignatureLine[] = [];
  for (const line of sigLines) {
    if (!line.startsWith(DASH)) return fail("a signature line starts with an em dash and a space");
    const parts = line.slice(DASH.length).split(" ");
    const raw = parts.length === 2 ? canonicalBase64(parts[1]!) : undefined;
    if (!raw || raw.length < 5 || !parts[0] || /[\s+]/u.test(parts[0])) return fail("a signature line is '— <key name> <base64 key ID and signature>'");
    signatures.push({ line, name: parts[0], raw });
  }
  return { ok: true, value: { origin, size, root, body, signatures } };
}

/** Builds a request body (the client's side of the same format). */
export function addCheckpointBody(oldSize: number | bigint, proof: readonly Uint8Array[], note: string): string {
  return `old ${BigInt(oldSize)}\n${proof.map((p) => `${Buffer.from(p).toString("base64")}\n`).join("")}\n${note}`;
}
