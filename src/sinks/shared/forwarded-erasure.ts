/**
 * What the database sinks (PostgreSQL, ClickHouse) share when `trail.eraseUser` forwards an
 * erasure to them: the options naming the trail's key, finding that key (no key: the erasure is
 * refused and nothing is erased), creating the tables first, the signed erasure's actor and reason,
 * and the answer the trail reports. One place, so the two sinks cannot drift apart in what a
 * forwarded erasure is signed as or what it refuses; only the database's own signed erasure
 * (store/postgres-erase.ts, store/clickhouse-maintenance.ts) differs.
 */
import type { KeyObject } from "node:crypto";
import * as z from "zod";
import { erasureSigningKey } from "../../store/postgres-erase.js";

/** The sink options that sign forwarded erasures; spread into the sink's options schema. */
export const erasureKeyOptions = {
  /** Signs forwarded erasures: the trail's key (a KeyObject or PEM). Default: the key file. */
  signingKey: z.union([z.string(), z.custom<KeyObject>((v) => typeof v === "object" && v !== null && "asymmetricKeyType" in v, { message: "expected a KeyObject or PEM" })]).optional(),
  /** The trail's key file, when it is not the key store's `signing-key.pem`. */
  keyFile: z.string().min(1).optional(),
};

/** How the signed erasures a forwarded one makes are labelled in their records. */
export const FORWARDED_ERASURE = { actor: "agent-audit-trail", reason: "right to erasure (forwarded)" } as const;

export interface ForwardedErasure {
  /** The sink's function name, for the fix when no key is found (`postgresSink`). */
  sink: string;
  /** Where the rows are (`schema.table`), for the answer. */
  where: string;
  key: { signingKey?: KeyObject | string; keyFile?: string };
  /** Creates the tables when the sink migrates (a first erasure may come before any batch). */
  ensureReady: () => Promise<void>;
  /** The database's signed erasure of the traces under this key. */
  erase: (signingKey: KeyObject) => Promise<{ events: number; records: readonly unknown[] }>;
}

/** A sink's `erase(traceIds)` answer: refused without the key, else what was tombstoned. */
export async function forwardErasureToDatabase(f: ForwardedErasure): Promise<{ ok: boolean; detail: string }> {
  let signingKey: KeyObject;
  try {
    signingKey = erasureSigningKey(f.key, `give ${f.sink} the trail's key (signingKey, or keyFile), or keep it in the key store ($AGENT_AUDIT_KEY_DIR/signing-key.pem)`);
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
  await f.ensureReady();
  const result = await f.erase(signingKey);
  return { ok: true, detail: `${result.events} row(s) tombstoned in ${f.where} under ${result.records.length} signed erasure record(s)` };
}
