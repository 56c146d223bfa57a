/**
 * Field names whose value is a secret whatever it looks like (`"password": "hunter2"` has nothing a
 * pattern could find). Names are compared normalized — lower case, letters and digits only — so
 * `api_key`, `apiKey`, `X-API-Key` and `OPENAI_API_KEY` are all caught.
 */

export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "apikey", "apisecret", "authorization",
  "proxyauthorization", "auth", "cookie", "setcookie", "cvv", "cvc", "cvv2", "cvc2", "pin", "ssn", "privatekey", "clientsecret",
  "accesstoken", "refreshtoken", "idtoken", "authtoken", "sessiontoken", "secretkey", "secretaccesskey", "credentials",
  // Session cookies: whoever holds one is logged in.
  "phpsessid", "jsessionid", "sessionid", "sessid", "connectsid", "aspnetsessionid",
  // A signed URL's signature grants what the URL grants.
  "sig", "signature", "xamzsignature", "xgoogsignature",
  "ssn", "socialsecuritynumber", "taxpayerid", "tin",
  // Wallet seed phrases: the whole wallet.
  "mnemonic", "seedphrase", "recoveryphrase", "secretphrase",
];

/** A name ending in one of these is sensitive too (`db_password`, `OPENAI_API_KEY`, `csrf_token`). */
const SENSITIVE_SUFFIXES = ["password", "passwd", "pwd", "passphrase", "secret", "apikey", "token", "privatekey", "secretkey", "accesskey", "credentials", "signature",
  // Keys that sign or encrypt: `signing_key`, `RAILS_MASTER_KEY`, `hmacKey`, `SECRET_KEY_BASE`.
  "signingkey", "masterkey", "encryptionkey", "hmackey", "secretkeybase", "clientkey", "sessionkey"];

export const normalizeKey = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Whether a name is secret-named by the defaults: for names met in text (`DB_PASSWORD=…`). */
export function isSensitiveName(name: string): boolean {
  return sensitiveNormalized(normalizeKey(name), DEFAULT_SET);
}

const DEFAULT_SET: ReadonlySet<string> = new Set(DEFAULT_SENSITIVE_KEYS);
// `accesskeyid` (an AWS key id) is an identifier, not a secret; it ends differently anyway.
const sensitiveNormalized = (k: string, exact: ReadonlySet<string>) => k.length > 0 && (exact.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s)));

export class SensitiveKeys {
  private readonly exact: Set<string>;
  private readonly cache = new Map<string, boolean>();

  constructor(extra: readonly string[] = []) {
    this.exact = new Set([...DEFAULT_SENSITIVE_KEYS, ...extra.map(normalizeKey)]);
  }

  has(key: string): boolean {
    let hit = this.cache.get(key);
    if (hit === undefined) {
      hit = sensitiveNormalized(normalizeKey(key), this.exact);
      if (this.cache.size < 10_000) this.cache.set(key, hit);
    }
    return hit;
  }
}
