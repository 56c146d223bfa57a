/**
 * Values that look like secrets but are public or stand in for one: digests under their
 * algorithm's label (`sha256:…`, `sha384-…`, `h1:…`), SSH public keys, UUIDs inside ids, and
 * placeholders (`ghp_xxxxxxxx…`, `AKIAIOSFODNN7EXAMPLE`). Shared by every detector that judges a
 * token by its looks rather than by a checksum.
 */

/** `sha384-…`, `sha1-…` (subresource integrity), `h1:…` (Go sums) name a public digest. */
const HASH_LABEL = /^(?:sha-?(?:1|224|256|384|512)|md5|h1|blake2[bs]?)[-_:]/i;
/** What stands right before a value that is a public digest or key. */
const PUBLIC_BEFORE = /(?:\b(?:sha-?(?:1|224|256|384|512)|md5|h1|blake2[bs]?|integrity|checksum|etag|digest|fingerprint)[:=\- ]["']?[/+]*|\b(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com)\s)$/i;
/** An SSH public key, or its base64 blob (which always starts with the length of the key type). */
const PUBLIC_KEY = /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-|sk-ssh-|AAAA(?:B3NzaC1|C3NzaC1|E2VjZHNh))/;
/** A placeholder: a word that says it is not real, or a mask of x's, stars or zeros. */
const PLACEHOLDER_WORD = /example|sample|dummy|placeholder|your[_-]|redacted|changeme|replace[_-]?me|^process\.env\.|^os\.environ|<[a-z_-]+>|x{8,}|X{8,}|\*{4,}|0{12,}/i;
/** Or a token that is mostly one character (`ghp_aaaaaaaa…`); a real key's characters vary. */
const counts = new Uint16Array(65536);
function mostlyOneCharacter(token: string): boolean {
  if (token.length < 12 || token.length > 65535) return false;
  let top = 0;
  for (let i = 0; i < token.length; i++) top = Math.max(top, ++counts[token.charCodeAt(i)]!);
  for (let i = 0; i < token.length; i++) counts[token.charCodeAt(i)] = 0;
  return top / token.length >= 0.6;
}
const PLACEHOLDER_TOKEN = { test: (token: string) => PLACEHOLDER_WORD.test(token) || mostlyOneCharacter(token) };

/** Whether the token `text[start, end)` is public or a placeholder, by its look and what precedes it. */
export function isPublicValue(text: string, start: number, end: number): boolean {
  return isLabelledPublic(text, start, end) || PLACEHOLDER_TOKEN.test(text.slice(start, end));
}

/** Public by its label or key type alone: a digest, an SSH public key. */
export function isLabelledPublic(text: string, start: number, end: number): boolean {
  const token = text.slice(start, Math.min(end, start + 24));
  return HASH_LABEL.test(token) || PUBLIC_KEY.test(token) || PUBLIC_BEFORE.test(text.slice(Math.max(0, start - 40), start));
}

/** A placeholder token (`ghp_xxxxxxxxxxxx…`, `…EXAMPLE`). */
export const isPlaceholderToken = (token: string) => PLACEHOLDER_TOKEN.test(token);
