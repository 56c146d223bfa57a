/**
 * The check every provider's error tests share: the caller still gets the provider's error, and
 * the trail holds exactly one llm_error (no llm_end) carrying the provider's message.
 */
import { expect } from "vitest";
import type { AuditEvent } from "../../src/index.js";
import type { Runnable } from "@langchain/core/runnables";
import { expectValidEvents, memoryTrail, ofType } from "../helpers.js";

export async function recordedError(model: Pick<Runnable, "invoke">, message: RegExp): Promise<AuditEvent & { data: { error: Record<string, unknown> } }> {
  const { trail, events } = memoryTrail();
  await expect(model.invoke("hi", { callbacks: [trail.handler()] })).rejects.toThrow(message);
  await trail.flush();
  expectValidEvents(events);
  const errors = ofType(events, "llm_error");
  expect(errors).toHaveLength(1);
  expect(ofType(events, "llm_end")).toHaveLength(0);
  const err = errors[0]!;
  expect(err).toMatchObject({ status: "error", level: "error" });
  // The message where the client put it (read raw: JSON would escape its quotes), or anywhere in the data.
  expect(`${(err.data.error as { message?: string } | undefined)?.message} ${JSON.stringify(err.data)}`).toMatch(message);
  return err as AuditEvent & { data: { error: Record<string, unknown> } };
}
