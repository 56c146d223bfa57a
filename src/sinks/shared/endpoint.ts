/**
 * How diagnostics name a destination: scheme, host and port, and nothing else. The endpoint is
 * configuration an operator needs to read; userinfo (credentials), the path and the query string
 * (tokens, tenant ids) never appear in an error message, a warning or `stats()`.
 */
const DEFAULT_PORTS: Record<string, string> = { "http:": "80", "https:": "443", "postgres:": "5432", "postgresql:": "5432" };

/** `https://hooks.example.com:443` for any URL; undefined when it is not a URL. */
export function endpointLabel(url: string | URL | undefined): string | undefined {
  if (url === undefined) return undefined;
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : url;
  } catch {
    return undefined;
  }
  if (!u.hostname) return undefined;
  const port = u.port || DEFAULT_PORTS[u.protocol] || "";
  return `${u.protocol}//${u.hostname}${port ? `:${port}` : ""}`;
}
