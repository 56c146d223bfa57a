/**
 * Starting delivery for one remote sink: a deliverer for this process's chain (from the disk
 * spool, or a bounded memory queue without one), plus one for every dead process's chain that
 * never finished reaching this sink. The trail owns the slots; this file only assembles them.
 */
import type { AuditEvent } from "../events/schema.js";
import type { DeliveryOptions, Sink } from "../sinks/types.js";
import { decryptEvent } from "../integrity/encryption.js";
import { Deliverer, type DeliveryCounters, type DelivererHooks } from "./delivery.js";
import { MemorySource, SpoolSource } from "./sources.js";
import { adoptChain, appendDeadLetters } from "./spool.js";
import { chainsWithCursor, writerAlive } from "../format/trail-format.js";

export interface RemoteSlot {
  sink: Sink;
  name: string;
  counters: DeliveryCounters;
  options: DeliveryOptions;
  /** This process's chain; in memory mode, its queue. */
  own: Deliverer;
  memory: MemorySource | undefined;
  /** Dead processes' chains this process took over. */
  adopted: Deliverer[];
}

export interface RemoteSinkSetup {
  sink: Sink;
  name: string;
  chainId: string;
  /** The disk spool; undefined in memory mode. */
  spoolDir: string | undefined;
  options: DeliveryOptions;
  maxEvents?: number;
  maxBytes?: number;
  /** Encryption at rest: spool lines are decrypted before they are sent. */
  encryptionKey: Buffer | undefined;
  reportError: DelivererHooks["reportError"];
  sanitize: DelivererHooks["sanitize"];
  recordDropped: DelivererHooks["recordDropped"];
}

export function startRemoteSink(s: RemoteSinkSetup): RemoteSlot {
  const { sink, name, chainId, spoolDir: dir, options } = s;
  const maxBytes = s.maxBytes ?? 1024 ** 3;
  const counters: DeliveryCounters = { delivered: 0, dead_lettered: 0, dropped: 0, retries: 0 };
  const memoryDeadLetters: Array<{ event: AuditEvent; reason: string }> = [];
  const hooks: DelivererHooks = {
    counters,
    reportError: s.reportError,
    sanitize: s.sanitize,
    recordDropped: s.recordDropped,
    deadLetter: async (sinkName, entries) => {
      if (dir) await appendDeadLetters(dir, sinkName, entries);
      else memoryDeadLetters.push(...entries.slice(0, Math.max(0, 1000 - memoryDeadLetters.length)));
    },
  };
  const key = s.encryptionKey;
  const decode = key ? (e: AuditEvent) => decryptEvent(e, key) : undefined;
  let memory: MemorySource | undefined;
  let own: Deliverer;
  if (dir) {
    own = new Deliverer(sink, name, chainId, new SpoolSource(dir, name, chainId, false, maxBytes, decode), options, hooks).start();
  } else {
    memory = new MemorySource(s.maxEvents ?? 10_000);
    own = new Deliverer(sink, name, chainId, memory, options, hooks).start();
  }
  const slot: RemoteSlot = { sink, name, counters, options, own, memory, adopted: [] };
  if (dir) {
    // Chains whose writer died before everything reached this sink: deliver the rest now.
    for (const chain of chainsWithCursor(dir, name)) {
      if (chain === chainId || writerAlive(dir, chain)) continue;
      const release = adoptChain(dir, name, chain);
      if (!release) continue;
      const d = new Deliverer(sink, name, chain, new SpoolSource(dir, name, chain, true, maxBytes, decode), options, hooks, release);
      slot.adopted.push(d.start());
    }
  }
  return slot;
}
