/**
 * Turning the user's `sinks` into the trail's slots: local sinks (JSONL, memory, console) written
 * on the agent's thread, and remote sinks delivered in the background from the disk spool (or a
 * bounded memory queue). A remote sink needs the local trail as its source of truth, so when no
 * JSONL sink writes the spool's directory, a spool slot is added for it.
 */
import { resolve } from "node:path";
import { DEFAULT_AUDIT_DIR } from "../format/trail-format.js";
import { jsonlSink, type JsonlSink } from "../sinks/jsonl.js";
import { isRemote, type Sink } from "../sinks/types.js";
import { DEFAULT_DELIVERY, type DelivererHooks } from "./delivery.js";
import { LocalSlot, type LocalSlotHooks } from "./local-sinks.js";
import type { AuditTrailOptions } from "./options.js";
import { startRemoteSink, type RemoteSlot } from "./remote-sinks.js";

export interface SinkSlots {
  local: LocalSlot[];
  remote: RemoteSlot[];
  /** The directory of the durable spool (undefined without remote sinks or in memory mode). */
  spoolDir: string | undefined;
}

export interface SinkSlotContext {
  chainId: string;
  maxBufferedBytes: number;
  encryptionKey: Buffer | undefined;
  localHooks: LocalSlotHooks;
  reportError: DelivererHooks["reportError"];
  sanitize: DelivererHooks["sanitize"];
  recordDropped: DelivererHooks["recordDropped"];
}

/** Names each sink (`name`, `name#2`, … for repeats) and starts its slot. */
export function buildSinkSlots(sinks: readonly Sink[], opts: Pick<AuditTrailOptions, "spool" | "delivery">, ctx: SinkSlotContext): SinkSlots {
  const seen = new Map<string, number>();
  const named = sinks.map((sink) => {
    const n = (seen.get(sink.name) ?? 0) + 1;
    seen.set(sink.name, n);
    return { sink, name: n === 1 ? sink.name : `${sink.name}#${n}` };
  });
  const local = named.filter((x) => !isRemote(x.sink)).map((x) => new LocalSlot(x.sink, x.name, ctx.maxBufferedBytes, ctx.localHooks));
  const remotes = named.filter((x) => isRemote(x.sink));
  const remote: RemoteSlot[] = [];
  let spoolDir: string | undefined;
  if (remotes.length) {
    const spool = opts.spool ?? {};
    if (!spool.memory) {
      // The local trail is the source of truth: remote sinks read it back from disk.
      const jsonl = local.find((x) => x.writesFiles && x.sink.name === "jsonl");
      const dir = resolve(spool.dir ?? (jsonl?.sink as JsonlSink | undefined)?.dir ?? DEFAULT_AUDIT_DIR);
      if (!local.some((x) => (x.sink as JsonlSink).dir === dir)) {
        local.push(new LocalSlot(jsonlSink({ dir }), "spool", ctx.maxBufferedBytes, ctx.localHooks));
      }
      spoolDir = dir;
    }
    const trailDelivery = opts.delivery ?? {};
    for (const { sink, name } of remotes) {
      remote.push(
        startRemoteSink({
          sink,
          name,
          chainId: ctx.chainId,
          spoolDir,
          // What the user said (on the trail, then on the sink) beats the sink's own defaults.
          options: { ...DEFAULT_DELIVERY, ...sink.defaultDelivery, ...trailDelivery, ...sink.delivery },
          maxEvents: spool.maxEvents,
          maxBytes: spool.maxBytes,
          encryptionKey: ctx.encryptionKey,
          reportError: ctx.reportError,
          sanitize: ctx.sanitize,
          recordDropped: ctx.recordDropped,
        }),
      );
    }
  }
  return { local, remote, spoolDir };
}

/** The directory a file-writing local sink writes into. */
export function slotDir(slot: LocalSlot): string {
  return resolve((slot.sink as JsonlSink).dir);
}
