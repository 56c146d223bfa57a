/**
 * Which `Host` headers the viewer answers. A DNS-rebinding page points its own name at 127.0.0.1
 * and reads the viewer through the victim's browser; the browser then sends that name as `Host`.
 * Answering only names the operator meant (the bound address, loopback names on loopback, and
 * `--allowed-host`) closes that door whatever the token setting.
 */
import { AuditConfigError } from "../shared/config.js";

const LOOPBACK = ["127.0.0.1", "[::1]", "localhost"];
/** 0.0.0.0 and :: include loopback: a loopback name is never an attacker's name. */
const LOOPBACK_OR_ALL = new Set(["127.0.0.1", "::1", "localhost", "0.0.0.0", "::"]);

/** `name`, `name:port`, `[v6]` or `[v6]:port`, lowercased; undefined for anything else. */
function parseHost(value: string): { name: string; port?: number } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value.toLowerCase());
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  return { name: m[1]!, port };
}

/** An address as it appears in a Host header: a bare IPv6 literal (two colons or more) in brackets. */
const asHostName = (address: string) => (/:.*:/.test(address) && !address.startsWith("[") ? `[${address}]` : address).toLowerCase();

export interface HostAllowlist {
  allows(hostHeader: string | undefined): boolean;
}

/**
 * `extra` entries without a port match that name on any port (the viewer may sit behind a proxy
 * on 443); with a port, only that port. Built-in names match only the port the viewer is on.
 */
export function hostAllowlist(boundHost: string, port: number, extra: readonly string[] = []): HostAllowlist {
  const exact = new Set<string>([`${asHostName(boundHost)}:${port}`]);
  if (LOOPBACK_OR_ALL.has(boundHost.toLowerCase())) for (const name of LOOPBACK) exact.add(`${name}:${port}`);
  const anyPort = new Set<string>();
  for (const entry of extra) {
    const parsed = parseHost(asHostName(entry.trim()));
    if (!parsed) throw new AuditConfigError(`allowedHosts: "${entry}" is not a host name (give a name like audit.internal or audit.internal:8443)`);
    if (parsed.port === undefined) anyPort.add(parsed.name);
    else exact.add(`${parsed.name}:${parsed.port}`);
  }
  return {
    allows(hostHeader) {
      if (hostHeader === undefined) return false;
      const parsed = parseHost(hostHeader);
      if (!parsed) return false;
      if (anyPort.has(parsed.name)) return true;
      // A Host without a port means the scheme's default; this viewer speaks plain HTTP.
      return exact.has(`${parsed.name}:${parsed.port ?? 80}`);
    },
  };
}
