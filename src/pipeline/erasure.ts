/**
 * Right to erasure across destinations: after the local files are tombstoned, each remote sink
 * that supports deletion is asked to delete the affected traces; the others are listed as manual
 * steps. What a destination says about a deletion can quote the request (URL, key) or the data,
 * so every answer is kept redacted.
 */
import { describeError } from "../shared/errors.js";
import type { RemoteSlot } from "./remote-sinks.js";

export async function forwardErasure(remotes: readonly RemoteSlot[], traces: readonly string[], sanitize: (text: string) => string): Promise<Record<string, string>> {
  const forwarded: Record<string, string> = {};
  for (const r of remotes) {
    if (!traces.length) {
      forwarded[r.name] = "nothing to forward: the erased events belong to no trace";
      continue;
    }
    if (!r.sink.erase) {
      forwarded[r.name] = `manual: delete traces ${traces.join(", ")} at this destination`;
      continue;
    }
    try {
      const res = await r.sink.erase(traces);
      forwarded[r.name] = sanitize(res.ok ? `done: ${res.detail}` : `failed: ${res.detail}`);
    } catch (err) {
      forwarded[r.name] = sanitize(`failed: ${describeError(err)}`);
    }
  }
  return forwarded;
}
