/**
 * Opaque page cursors: where the previous page ended, as base64url JSON. Opaque so clients pass
 * them back unchanged; checked with a schema on the way in, since any client can send anything.
 * A cursor holds no secret: it only names a position in data the reader may already see.
 */
import * as z from "zod";
import { BadParam } from "./query-params.js";

/** The sessions list: after the row with this last activity and id (newest first, then id). */
const SessionsCursor = z.strictObject({ k: z.literal("sessions"), end: z.string().max(64), id: z.string().max(4096) });
/** One session's events: after the first `n` events at time `ts` (the store's order within a time is stable). */
const EventsCursor = z.strictObject({ k: z.literal("events"), ts: z.string().max(64), n: z.number().int().min(1).max(1e9) });

export type SessionsPosition = Omit<z.infer<typeof SessionsCursor>, "k">;
export type EventsPosition = Omit<z.infer<typeof EventsCursor>, "k">;

const MAX_CURSOR = 8192;

function decode<S extends z.ZodType>(schema: S, raw: string | null): z.infer<S> | undefined {
  if (raw === null || raw === "") return undefined;
  let value: unknown;
  try {
    const bytes = raw.length <= MAX_CURSOR ? Buffer.from(raw, "base64url") : Buffer.alloc(0);
    // Only the exact text given out: base64url decoding skips stray characters silently.
    if (bytes.toString("base64url") !== raw) throw new Error("not a cursor");
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadParam("cursor is not one this viewer gave out (pass back the `next` of the previous page)");
  return parsed.data;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export const sessionsCursor = (p: SessionsPosition) => encode({ k: "sessions", ...p });
export const eventsCursor = (p: EventsPosition) => encode({ k: "events", ...p });
export const readSessionsCursor = (raw: string | null): SessionsPosition | undefined => {
  const c = decode(SessionsCursor, raw);
  return c && { end: c.end, id: c.id };
};
export const readEventsCursor = (raw: string | null): EventsPosition | undefined => {
  const c = decode(EventsCursor, raw);
  return c && { ts: c.ts, n: c.n };
};
