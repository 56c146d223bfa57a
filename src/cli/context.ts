/**
 * What every `agent-audit` command is handed: the parsed options, the trail directory, where to
 * print, and the shared acts of reading a trail (access log, permission check). main.ts builds it;
 * the commands under commands/ only use it, so neither imports the other back.
 */
import type { BadLine } from "../store/jsonl.js";
import { IndexedStore } from "../index/indexed-store.js";

/** A mistake in how the command was called: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {}

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Where erase and purge read a confirmation from (default process.stdin). */
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** The option values main.ts parses (its option table); the witness parses its own. */
export interface CliValues {
  dir?: string;
  json: boolean;
  lines?: string;
  follow: boolean;
  "no-color": boolean;
  help: boolean;
  version: boolean;
  "public-key"?: string;
  event?: string;
  out?: string;
  witness?: string;
  "ml-dsa-key"?: string;
  "witness-key"?: string[];
  user?: string;
  actor?: string;
  reason?: string;
  "older-than"?: string;
  "key-file"?: string;
  "allow-insecure-permissions": boolean;
  store?: string;
  table?: string;
  session?: string;
  since?: string;
  until?: string;
  type?: string;
  level?: string;
  format?: string;
  roles: boolean;
  "no-index": boolean;
  rebuild: boolean;
  cluster?: string;
  print: boolean;
  port?: string;
  host?: string;
  token?: string;
  "allowed-host"?: string[];
  yes: boolean;
  "dry-run": boolean;
}

export interface CommandContext {
  /** The command's name as typed (query, stats and export share one module). */
  command: string;
  values: CliValues;
  /** The positionals after the command's name. */
  rest: string[];
  /** The trail directory: --dir, else $AGENT_AUDIT_DIR, else the default. */
  dir: string;
  io: CliIo;
  color: boolean;
  /** Reports an unreadable trail line (the first few; main.ts counts the rest). */
  onBadLine: (bad: BadLine) => void;
  /** Who is acting: --actor, else the OS user. */
  actor: string;
  /** Redacts free text or an identifier before it is stored. */
  redactText: (text: string) => string;
  /** Records an access to `trail` in its access log. */
  logAccess: (trail: string, action: string, target?: string) => void;
  /** Throws a UsageError if the trail's files were opened up to other users. */
  refuseWidened: (trail: string) => void;
  /** Reading the trail directory: refused if widened, else recorded in its access log. */
  reading: (action: string, target?: string) => void;
}

/** Every command returns its exit code. */
export type Command = (ctx: CommandContext) => Promise<number>;

const FILTER_OPTIONS = ["event", "session", "user", "since", "until", "type", "level"] as const;
type FilterOption = (typeof FILTER_OPTIONS)[number];

/** The filter options given, for the access log ("all" without any). */
export function describeFilter(v: Pick<CliValues, FilterOption>): string {
  return FILTER_OPTIONS.filter((k) => v[k] !== undefined).map((k) => `${k}=${String(v[k])}`).join(" ") || "all";
}

/** Reads through the columnar index of `dir`, closed afterwards. */
export async function readIndexed<T>(dir: string, read: (store: IndexedStore) => Promise<T>): Promise<T> {
  const store = new IndexedStore(dir);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}
