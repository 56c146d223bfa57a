/** The integrity badge's answer: `verify` over the JSONL trail, reused for 30 s (verify reads every line). */
import { verifyTrail } from "../integrity/verify.js";

const FRESH_MS = 30_000;

export function integrityBadge(dir: string | undefined, publicKey: string | undefined): () => Promise<unknown> {
  // The promise is kept, not its value: requests arriving during a verify share it.
  let cached: { at: number; value: Promise<unknown> } | undefined;
  return () => {
    if (!dir) return Promise.resolve({ available: false, reason: "integrity is verified on the JSONL trail (agent-audit verify)" });
    if (!cached || Date.now() - cached.at > FRESH_MS) {
      const value = verifyTrail(dir, { publicKey }).then((r) => ({ available: true, ok: r.ok, events: r.events, problems: r.problems.length, first_problem: r.problems[0], trusted_key: r.publicKeyTrusted, chains: r.chains.map((c) => ({ chain_id: c.chain_id, verified_to: c.verified_to, erased: c.erased })) }));
      cached = { at: Date.now(), value };
      // A failed verify is not remembered: the next request tries again.
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };
}
