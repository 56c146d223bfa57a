/**
 * Who and what a run belongs to: session and user ids, tags and metadata, resolved once per run
 * and shared by every event it produces.
 *
 * LangChain and LangGraph add their own bookkeeping to every run's tags (`graph:step:3`,
 * `langsmith:hidden`) and metadata (`langgraph_step`, `ls_provider`, `checkpoint_ns`...). That is
 * noise in an audit trail and would be repeated on every event, so it is dropped here; what a model
 * call's `ls_*` metadata says is recorded in the event's data instead.
 */
import { toJson } from "./serialize.js";
import { type SerializeLimits } from "../limits/capture-limits.js";

type Metadata = Record<string, unknown> | undefined;

/** Metadata keys that carry the session id, in order of preference. */
const SESSION_KEYS = ["session_id", "sessionId", "thread_id", "langfuseSessionId", "conversation_id"];
const USER_KEYS = ["user_id", "userId", "langfuseUserId"];

function firstId(metadata: Metadata, keys: readonly string[]): string | undefined {
  if (!metadata) return undefined;
  for (const key of keys) {
    const v = metadata[key];
    if ((typeof v === "string" && v) || typeof v === "number") return String(v);
  }
  return undefined;
}

/** The handler's option wins, then run metadata, then the trail's context. */
export function sessionFrom(option: string | undefined, metadata: Metadata, fallback: string | undefined): string | undefined {
  return option ?? firstId(metadata, SESSION_KEYS) ?? fallback;
}

export function userFrom(option: string | undefined, metadata: Metadata, fallback: string | undefined): string | undefined {
  return option ?? firstId(metadata, USER_KEYS) ?? fallback;
}

const INTERNAL_TAG = /^(graph:step:\d+|seq:step:\d+|map:key:.*|langsmith:.*|langgraph:.*)$/;
const INTERNAL_KEY = /^(ls_|langgraph_|checkpoint_|__)/;
const CONTEXT_KEYS = new Set(["versions", "ls_integration", ...SESSION_KEYS, ...USER_KEYS]);

/**
 * Tags for a run: the inherited ones plus the run's own, minus LangChain's internal tags. Returns
 * the inherited array itself when nothing new was added, so a deep tree shares one array.
 */
export function runTags(inherited: string[] | undefined, own: string[] | undefined): string[] | undefined {
  if (!own || own.length === 0) return inherited;
  let out: string[] | undefined;
  for (const tag of own) {
    if (INTERNAL_TAG.test(tag)) continue;
    if (inherited?.includes(tag) || out?.includes(tag)) continue;
    (out ??= inherited ? [...inherited] : []).push(tag);
  }
  return out ?? inherited;
}

/**
 * Metadata for a run: inherited, overlaid with the run's own user metadata (internal and identity
 * keys dropped, values made JSON-safe). Returns the inherited object itself when nothing changed.
 */
export function runMetadata(inherited: Metadata, own: Metadata, limits: SerializeLimits): Metadata {
  if (!own) return inherited;
  let out: Record<string, unknown> | undefined;
  for (const key in own) {
    if (INTERNAL_KEY.test(key) || CONTEXT_KEYS.has(key)) continue;
    const value = own[key];
    if (value === undefined) continue;
    const json = toJson(value, limits);
    if (inherited && sameJson(inherited[key], json)) continue;
    (out ??= { ...inherited })[key] = json;
  }
  return out ?? inherited;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
