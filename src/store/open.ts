/** `--store <dir | postgres://… | clickhouse://… | s3://bucket/prefix>`: the store a target names. */
import { ClickHouseStore } from "./clickhouse-store.js";
import { isClickHouseTarget } from "./clickhouse-connection.js";
import { JsonlStore } from "./jsonl-store.js";
import { PostgresStore } from "./postgres-store.js";
import { downloadArchive } from "./s3-archive.js";
import type { AuditStore, EventFilter, EventOrder, SpikeRule } from "./types.js";

/** What kind of store a `--store` target names. */
export function storeKind(target: string): "postgres" | "clickhouse" | "s3" | "dir" {
  return /^postgres(ql)?:\/\//.test(target) ? "postgres" : isClickHouseTarget(target) ? "clickhouse" : target.startsWith("s3://") ? "s3" : "dir";
}

export function openStore(target: string, options: { table?: string; onProgress?: (events: number) => void } = {}): AuditStore {
  const kind = storeKind(target);
  if (kind === "postgres") return new PostgresStore({ connectionString: target, table: options.table });
  if (kind === "clickhouse") return new ClickHouseStore(target, { table: options.table });
  if (kind === "s3") return new S3Store(target, options.onProgress);
  return new JsonlStore(target, { onProgress: options.onProgress });
}

/** An S3 archive, downloaded once into the local layout and then read like a JSONL trail. */
class S3Store implements AuditStore {
  private local: Promise<{ store: JsonlStore; cleanup: () => void }> | undefined;
  constructor(
    private readonly url: string,
    private readonly onProgress?: (events: number) => void,
  ) {}
  private open() {
    return (this.local ??= downloadArchive(this.url, { onProgress: (_o, n) => this.onProgress?.(n) }).then((d) => ({ store: new JsonlStore(d.dir), cleanup: d.cleanup })));
  }
  async *events(filter?: EventFilter, options?: EventOrder) {
    yield* (await this.open()).store.events(filter, options);
  }
  async toolStats(filter?: EventFilter) {
    return (await this.open()).store.toolStats(filter);
  }
  async errorRate(filter?: EventFilter) {
    return (await this.open()).store.errorRate(filter);
  }
  async modelUsage(filter?: EventFilter) {
    return (await this.open()).store.modelUsage(filter);
  }
  async userUsage(filter?: EventFilter) {
    return (await this.open()).store.userUsage(filter);
  }
  async volume(filter?: EventFilter, rule?: Partial<SpikeRule>) {
    return (await this.open()).store.volume(filter, rule);
  }
  async close() {
    if (this.local) (await this.local).cleanup();
  }
}
