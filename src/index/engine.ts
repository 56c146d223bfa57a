/**
 * Loading the columnar engine (DuckDB, an optional dependency with prebuilt binaries). Where it
 * cannot load (no binary for the platform, a broken install), reading falls back to the streaming
 * scan, and the process says so once, in one line on stderr.
 */
export type DuckDB = typeof import("@duckdb/node-api");

// A test hook: naming a module that does not exist simulates a platform without the binary.
const MODULE = () => process.env.AGENT_AUDIT_INDEX_ENGINE ?? "@duckdb/node-api";

let loading: Promise<DuckDB | undefined> | undefined;
let told = false;
let fellBack = 0;

/** How many times this process answered with the scan instead of the index (the tests watch it). */
export const fallbacks = (): number => fellBack;

export function loadEngine(): Promise<DuckDB | undefined> {
  return (loading ??= (import(MODULE()) as Promise<DuckDB>).then(
    (m) => m,
    (err: unknown) => {
      notice(`agent-audit: columnar index unavailable (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); reading with the streaming scan`);
      return undefined;
    },
  ));
}

/** One line on stderr, once per process: the fallback is correct, only slower. */
export function notice(line: string): void {
  fellBack++;
  if (told) return;
  told = true;
  process.stderr.write(`${line}\n`);
}
