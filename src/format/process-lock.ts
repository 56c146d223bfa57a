/**
 * Which process holds something in a trail directory (a chain it writes, a dead chain it delivers
 * or recovers), told apart from a dead one. A pid alone is not enough: pids are reused (Linux's
 * default `pid_max` is 32,768, so a busy machine wraps within minutes), and a dead writer whose pid
 * now belongs to another process would keep its chain from ever being adopted. So a holder is
 * named by pid, host and the kernel's start time of that pid (`/proc/<pid>/stat`, field 22), and is
 * alive only while a process with that pid *and* that start time runs.
 *
 * Lock files are created whole or not at all (written to a private temporary name, then linked
 * into place, which fails if the lock exists), so a kill never leaves an empty or half-written
 * lock that nobody could read; one that cannot be read anyway is stale.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** The kernel's start time of the pid, in clock ticks since boot; absent where /proc is not. */
  start?: string;
}

/** The kernel's start time of `pid`, or undefined where it cannot be read. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19]; // field 22 overall; fields[0] is field 3
  } catch {
    return undefined;
  }
}

let self: ProcessIdentity | undefined;

/** This process, as lock and writer files name it. */
export function thisProcess(): ProcessIdentity {
  if (self?.pid !== process.pid) {
    const start = startTime(process.pid);
    self = { pid: process.pid, host: hostname(), ...(start ? { start } : {}) };
  }
  return self;
}

/** Is a process of this host alive (EPERM: alive, owned by another user)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Is the holder still running? A holder on another host is taken to be (nothing here can tell);
 * one on this host must have a live pid and, when its start time was recorded, the same one.
 */
export function holderAlive(holder: Partial<ProcessIdentity>): boolean {
  if (holder.host !== hostname()) return true;
  if (typeof holder.pid !== "number" || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (!processAlive(holder.pid)) return false;
  if (holder.start === undefined) return true;
  const now = startTime(holder.pid);
  return now === undefined || now === holder.start;
}

/** The holder named in a lock or writer file; undefined when it cannot be read (stale). */
export function readHolder(file: string): (Partial<ProcessIdentity> & Record<string, unknown>) | undefined {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as unknown;
    return value && typeof value === "object" ? (value as Partial<ProcessIdentity> & Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock `file` for this process, taking over one whose holder is dead or unreadable.
 * Returns its release, or undefined while a live process holds it (or the disk refuses).
 */
export function takeLock(file: string): (() => void) | undefined {
  const me = thisProcess();
  const tmp = `${file}.${me.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
  } catch {
    try {
      unlinkSync(tmp); // a full disk can leave it created but short
    } catch {
      // never created
    }
    return undefined;
  }
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(tmp, file);
        return () => {
          try {
            unlinkSync(file);
          } catch {
            // already gone
          }
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
        const holder = readHolder(file);
        if (holder && holderAlive(holder)) return undefined;
        try {
          unlinkSync(file);
        } catch {
          // another process took it over first; the next link decides
        }
      }
    }
    return undefined;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
  }
}
