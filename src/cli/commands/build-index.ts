/** `agent-audit index [--rebuild]`: compact a trail's closed segments into its columnar index. */
import { dropIndex, readManifest } from "../../format/index-files.js";
import { IndexedStore } from "../../index/indexed-store.js";
import type { CommandContext } from "../context.js";

export async function indexCommand({ values, dir, io }: CommandContext): Promise<number> {
  // Derived data: --rebuild drops every part and compacts the closed segments again.
  if (values.rebuild) dropIndex(dir);
  const store = new IndexedStore(dir);
  try {
    await store.toolStats();
  } finally {
    await store.close();
  }
  const m = readManifest(dir);
  io.out(`Indexed ${Object.keys(m.segments).length} closed segment(s), ${Object.values(m.segments).reduce((n, s) => n + s.rows, 0)} events`);
  return 0;
}
