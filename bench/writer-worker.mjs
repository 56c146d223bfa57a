// The worker side of the "worker" writer design measured by bench/writer-designs.mjs: it takes
// serialized events from a SharedArrayBuffer ring, seals them (canonical JSON, SHA-256 chain) and
// appends them to a JSONL file, writing at each commit point and publishing how far it has written.
// Not product code: a faithful prototype, so the two designs can be compared on the same work.
import { workerData } from "node:worker_threads";
import { openSync, writeSync } from "node:fs";
import { Sealer } from "../dist/integrity/seal.js";
import { linesBytes } from "../dist/format/trail-format.js";
import { CTRL, WRAP, FLAG_COMMIT } from "./writer-ring.mjs";

const { ring, control, file } = workerData;
const bytes = new Uint8Array(ring);
const ctrl = new Int32Array(control);
const view = new DataView(ring);
const decoder = new TextDecoder();
const fd = openSync(file, "a");
const sealer = new Sealer();
let tail = 0;
let written = 0;
let pending = [];

const writePending = (seq) => {
  if (pending.length) {
    writeSync(fd, linesBytes(pending));
    pending = [];
  }
  written = seq;
  Atomics.store(ctrl, CTRL.written, seq);
  Atomics.notify(ctrl, CTRL.written);
};

for (;;) {
  const head = Atomics.load(ctrl, CTRL.head);
  if (head === tail) {
    // Everything taken: write what a commit asked for, then sleep until more arrives.
    const wanted = Atomics.load(ctrl, CTRL.commitRequested);
    if (wanted > written) writePending(Atomics.load(ctrl, CTRL.sealedSeq));
    if (Atomics.load(ctrl, CTRL.stop)) break;
    Atomics.wait(ctrl, CTRL.head, head, 50);
    continue;
  }
  const len = view.getUint32(tail);
  if (len === WRAP) {
    tail = 0;
    Atomics.store(ctrl, CTRL.tail, tail);
    continue;
  }
  const flags = bytes[tail + 4];
  const event = JSON.parse(decoder.decode(bytes.subarray(tail + 5, tail + 5 + len)));
  tail += 5 + len;
  Atomics.store(ctrl, CTRL.tail, tail);
  Atomics.notify(ctrl, CTRL.tail);
  sealer.seal(event);
  pending.push(event);
  Atomics.store(ctrl, CTRL.sealedSeq, event.seq);
  if (flags & FLAG_COMMIT || Atomics.load(ctrl, CTRL.commitRequested) >= event.seq) writePending(event.seq);
}
writePending(Atomics.load(ctrl, CTRL.sealedSeq));
