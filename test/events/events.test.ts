import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { uuidv7, uuidv7Time } from "../../src/events/ids.js";
import { auditEventSchema } from "../../src/events/schema.js";
import { auditEventJsonSchema } from "../../src/events/json-schema.js";
import { expectValidEvents } from "../helpers.js";

describe("uuidv7", () => {
  it("has the v7 layout and encodes the time", () => {
    // Ahead of any id made so far: ids are monotonic, so a time in the past would be clamped.
    const t = Date.now() + 60_000;
    const id = uuidv7(t);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv7Time(id)).toBe(t);
  });

  it("is strictly increasing within one millisecond and when the clock goes backwards", () => {
    const t = Date.now() + 10_000;
    const ids = [uuidv7(t)];
    for (let i = 0; i < 10_000; i++) ids.push(uuidv7(t));
    ids.push(uuidv7(t - 5000));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("event schema", () => {
  const event = {
    schema_version: "1",
    id: uuidv7(),
    ts: "2026-11-27T12:00:00.123Z",
    seq: 1,
    level: "info",
    type: "tool_end",
    data: { tool: "search", result: "ok" },
    duration_ms: 12.5,
    status: "ok",
    chain_id: uuidv7(),
  };

  it("accepts a well-formed event and rejects unknown fields, types and levels", () => {
    expect(auditEventSchema.safeParse(event).success).toBe(true);
    expect(auditEventSchema.safeParse({ ...event, extra: 1 }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, type: "tool_call" }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, level: "fatal" }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, ts: "2026-11-27 12:00" }).success).toBe(false);
    expect(auditEventSchema.safeParse({ ...event, seq: -1 }).success).toBe(false);
  });

  it("the shipped JSON Schema is generated from the zod schema and is current", () => {
    const shipped = JSON.parse(readFileSync(new URL("../../schema/audit-event.schema.json", import.meta.url), "utf8"));
    expect(shipped).toEqual(auditEventJsonSchema());
  });

  it("the shipped JSON Schema agrees with zod", () => {
    expectValidEvents([event]);
    expect(() => expectValidEvents([{ ...event, type: "nope" }])).toThrow(/does not validate/);
    expect(() => expectValidEvents([{ ...event, extra: true }])).toThrow(/does not validate/);
  });
});
