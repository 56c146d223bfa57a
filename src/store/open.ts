/** `--store <dir | postgres://…>`: the store a target names. */
import { JsonlStore } from "./jsonl-store.js";
import { PostgresStore } from "./postgres-store.js";
import type { AuditStore } from "./types.js";

export function openStore(target: string, options: { table?: string; onProgress?: (events: number) => void } = {}): AuditStore {
  if (/^postgres(ql)?:\/\//.test(target)) return new PostgresStore({ connectionString: target, table: options.table });
  return new JsonlStore(target, { onProgress: options.onProgress });
}
