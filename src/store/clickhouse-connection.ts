/**
 * Reaching ClickHouse over HTTP with the official client: what a `clickhouse://` target names, and
 * the three calls the store, the sink and maintenance make (run a statement, read rows, insert).
 * `clickhouse://user:pass@host:8123/db?table=t` is plain HTTP; `clickhouses://…` is HTTPS.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from "@clickhouse/client";
import { DEFAULT_CLICKHOUSE_DATABASE, DEFAULT_CLICKHOUSE_TABLE, checkIdentifier, literal, type ClickHouseRow } from "./clickhouse-schema.js";

export interface ClickHouseTarget {
  /** http(s)://host:port, without credentials. */
  url: string;
  username?: string;
  password?: string;
  database: string;
  table: string;
}

export const isClickHouseTarget = (target: string) => /^clickhouses?:\/\//.test(target);

/** Splits a `clickhouse://` target; `table` (e.g. `--table`) wins over `?table=`. */
export function parseClickHouseTarget(target: string, table?: string): ClickHouseTarget {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new Error("the ClickHouse target is not a URL; expected clickhouse://user:password@host:8123/database?table=name");
  }
  const secure = u.protocol === "clickhouses:";
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || DEFAULT_CLICKHOUSE_DATABASE;
  return {
    // (an IPv6 hostname keeps its brackets in a URL)
    url: `${secure ? "https" : "http"}://${u.hostname}:${u.port || (secure ? "8443" : "8123")}`,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: checkIdentifier("database", database),
    table: checkIdentifier("table", table ?? u.searchParams.get("table") ?? DEFAULT_CLICKHOUSE_TABLE),
  };
}

/**
 * The server's error code (e.g. 81: unknown database). The client parses it from current servers'
 * "Code: 81. DB::Exception"; older ones say "Code: 81, e.displayText() = …", read here.
 */
export function clickhouseErrorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && /^\d+$/.test(e.code)) return e.code;
  const m = /^Code: (\d+)[.,]/.exec(String(e?.message ?? ""));
  return m?.[1];
}

/** The few calls this package makes, over one client. */
export class ClickHouseConnection {
  readonly client: ClickHouseClient;
  constructor(readonly target: ClickHouseTarget) {
    this.client = createClient({
      url: target.url,
      username: target.username ?? "default",
      password: target.password ?? "",
      // No default database: every statement names its tables in full, so that migrate can create
      // the database it then uses (a request made "in" a missing database fails before it runs).
      request_timeout: 60_000,
      // Errors are returned to the caller, who words them; the client's own log would repeat them
      // on stderr (with the query text, which may hold event content).
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  async command(query: string, signal?: AbortSignal): Promise<void> {
    await this.client.command({ query, abort_signal: signal });
  }

  async rows<T = Record<string, unknown>>(query: string): Promise<T[]> {
    const result = await this.client.query({ query, format: "JSONEachRow" });
    return (await result.json()) as T[];
  }

  async insert(table: string, values: readonly ClickHouseRow[], signal?: AbortSignal): Promise<void> {
    await this.client.insert({ table, values: values as ClickHouseRow[], format: "JSONEachRow", abort_signal: signal });
  }

  async version(): Promise<string> {
    const [row] = await this.rows<{ v: string }>("SELECT version() AS v");
    return row?.v ?? "unknown";
  }

  /**
   * Waits until the table has no unfinished mutation: ALTER … UPDATE/DELETE returns once queued,
   * and older servers have no setting to wait for it.
   */
  async mutationsDone(table: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.rows<{ n: string }>(`SELECT count() AS n FROM system.mutations WHERE database = ${literal(this.target.database)} AND table = ${literal(table)} AND is_done = 0`);
      if (Number(row?.n ?? 0) === 0) return;
      if (Date.now() > deadline) throw new Error(`a mutation on ${this.target.database}.${table} is still running after ${timeoutMs / 1000} s; see system.mutations`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
