/**
 * Images, audio, video and files in message content, recorded as what they are rather than what
 * they weigh: type, media type, size and a SHA-256 of the bytes (to match a file an auditor holds),
 * never the base64 itself. Covers the shapes LangChain and the providers use: v1 standard blocks
 * (`{type: "image", data | base64 | url, mime_type}`), Anthropic (`source: {type: "base64", data}`),
 * OpenAI Chat (`image_url: {url: "data:…"}`, `input_audio: {data, format}`, `file: {file_data}`) and
 * Responses (`input_image`, `input_file`). A URL or file id that points elsewhere is kept as is.
 */
import { createHash } from "node:crypto";

type Obj = Record<string, unknown>;

/** Content-block types that can carry inline bytes. */
const BINARY_BLOCK_TYPES = new Set(["image", "image_url", "audio", "input_audio", "video", "file", "document", "input_image", "input_file", "media"]);
/** Fields that hold the bytes (as base64 or a data URL) in one of the shapes above. */
const PAYLOAD_KEYS = new Set(["data", "base64", "file_data", "url", "image_url"]);
/** Fields where a plain base64 string (not a data URL) is the payload. */
const RAW_BASE64_KEYS = new Set(["data", "base64", "file_data"]);

const BASE64_DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(?:;[\w-]+=[^;,]*)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

export const isBinaryBlockType = (type: unknown): boolean => typeof type === "string" && BINARY_BLOCK_TYPES.has(type);

interface Payload {
  bytes: Uint8Array;
  mime?: string;
}

function payloadOf(key: string, value: unknown): Payload | undefined {
  if (ArrayBuffer.isView(value)) return { bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  if (typeof value !== "string") return undefined;
  const url = BASE64_DATA_URL.exec(value);
  if (url) return { bytes: Buffer.from(value.slice(url[0].length), "base64"), mime: url[1] };
  if (RAW_BASE64_KEYS.has(key) && value.length >= 16 && BASE64.test(value)) return { bytes: Buffer.from(value, "base64") };
  return undefined;
}

function strip(o: Obj, found: Payload[], depth: number): Obj {
  const out: Obj = {};
  for (const key in o) {
    if (!Object.prototype.hasOwnProperty.call(o, key)) continue;
    const v = o[key];
    if (PAYLOAD_KEYS.has(key)) {
      const p = payloadOf(key, v);
      if (p) {
        found.push(p);
        continue;
      }
    }
    out[key] = depth < 2 && typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) ? strip(v as Obj, found, depth + 1) : v;
  }
  return out;
}

/**
 * The block with its inline bytes replaced by `bytes` (their count), `sha256` and `mime_type`;
 * undefined when it carries no inline bytes (a URL, a file id, text).
 */
export function summarizeBinaryBlock(block: Obj): Obj | undefined {
  const found: Payload[] = [];
  const out = strip(block, found, 0);
  if (found.length === 0) return undefined;
  const hash = createHash("sha256");
  let size = 0;
  for (const p of found) {
    hash.update(p.bytes);
    size += p.bytes.byteLength;
  }
  const mime = found.find((p) => p.mime)?.mime;
  if (mime && out.mime_type === undefined && out.mimeType === undefined) out.mime_type = mime;
  out.bytes = size;
  out.sha256 = hash.digest("hex");
  return out;
}

/** A base64 data URL as a one-line description with its size and hash; undefined for other strings. */
export function describeDataUrl(s: string): string | undefined {
  const url = BASE64_DATA_URL.exec(s);
  if (!url) return undefined;
  const bytes = Buffer.from(s.slice(url[0].length), "base64");
  return `[data URL ${url[1] ?? "unknown type"}, ${bytes.byteLength} bytes, sha256 ${createHash("sha256").update(bytes).digest("hex")}]`;
}
