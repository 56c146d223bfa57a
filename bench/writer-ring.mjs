// The ring buffer shared by the agent's thread and the writer worker in bench/writer-designs.mjs.
// Messages: [u32 length][u8 flags][UTF-8 JSON]; a length of WRAP sends the reader back to 0.
export const CTRL = { head: 0, tail: 1, written: 2, commitRequested: 3, sealedSeq: 4, stop: 5 };
export const WRAP = 0xffffffff;
export const FLAG_COMMIT = 1;

const encoder = new TextEncoder();

/** The agent's side: puts events into the ring and waits, at commit points only, for the worker. */
export class RingWriter {
  constructor(size = 4 << 20) {
    this.ring = new SharedArrayBuffer(size);
    this.control = new SharedArrayBuffer(4 * 8);
    this.bytes = new Uint8Array(this.ring);
    this.view = new DataView(this.ring);
    this.ctrl = new Int32Array(this.control);
    this.head = 0;
    this.size = size;
  }

  /** Waits until the worker has taken enough to leave `need` bytes free before the reader. */
  room(need) {
    for (;;) {
      const tail = Atomics.load(this.ctrl, CTRL.tail);
      const free = tail > this.head ? tail - this.head - 1 : this.size - this.head + tail - 1;
      if (free >= need) return;
      Atomics.wait(this.ctrl, CTRL.tail, tail, 10);
    }
  }

  put(event, commit) {
    const json = JSON.stringify(event);
    const max = json.length * 3 + 5;
    if (this.head + max + 4 > this.size) {
      this.room(4);
      this.view.setUint32(this.head, WRAP);
      // The reader must not catch up with a head at 0 while it still reads the end.
      while (Atomics.load(this.ctrl, CTRL.tail) === 0 && this.head !== 0) Atomics.wait(this.ctrl, CTRL.tail, 0, 10);
      this.head = 0;
    }
    this.room(max);
    const { written } = encoder.encodeInto(json, this.bytes.subarray(this.head + 5, this.head + 5 + max));
    this.view.setUint32(this.head, written);
    this.bytes[this.head + 4] = commit ? FLAG_COMMIT : 0;
    this.head += 5 + written;
    Atomics.store(this.ctrl, CTRL.head, this.head);
    Atomics.notify(this.ctrl, CTRL.head);
    if (commit) this.commit(event.seq);
  }

  /** Commit point: returns once every event up to `seq` is written to the file. */
  commit(seq) {
    Atomics.store(this.ctrl, CTRL.commitRequested, seq);
    Atomics.notify(this.ctrl, CTRL.head);
    for (;;) {
      const done = Atomics.load(this.ctrl, CTRL.written);
      if (done >= seq) return;
      Atomics.wait(this.ctrl, CTRL.written, done, 100);
    }
  }

  stop() {
    Atomics.store(this.ctrl, CTRL.stop, 1);
    Atomics.notify(this.ctrl, CTRL.head);
  }
}
