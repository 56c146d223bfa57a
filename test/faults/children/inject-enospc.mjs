// Preload (--import) that makes the disk look full while globalThis.__failWrites is set: the
// first write then gets a short count (part of its bytes land, as the kernel does when space runs
// out mid-write) and every later write fails with ENOSPC. Files other than stdout/stderr only.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const realWriteSync = fs.writeSync;
let shortWriteDone = false;
fs.writeSync = function writeSync(fd, buffer, ...rest) {
  if (!globalThis.__failWrites || fd <= 2) {
    shortWriteDone = false;
    return realWriteSync.call(fs, fd, buffer, ...rest);
  }
  if (!shortWriteDone && typeof buffer !== "string" && buffer.length > 1) {
    shortWriteDone = true;
    const offset = typeof rest[0] === "number" ? rest[0] : 0;
    const length = typeof rest[1] === "number" ? rest[1] : buffer.length - offset;
    return realWriteSync.call(fs, fd, buffer, offset, Math.max(1, Math.floor(length / 2)));
  }
  throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
};
syncBuiltinESMExports();
