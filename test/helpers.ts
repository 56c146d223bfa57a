import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import { expect } from "vitest";
import type { AuditEvent } from "../src/events/schema.js";
import { createAuditTrail } from "../src/capture/audit-trail.js";
import type { AuditTrailOptions } from "../src/pipeline/options.js";
import { memorySink } from "../src/sinks/memory.js";

/** The JSON Schema shipped in the package, compiled once. */
const schema = JSON.parse(readFileSync(new URL("../schema/audit-event.schema.json", import.meta.url), "utf8"));
const ajv = new Ajv2020.default({ allErrors: true, strict: false });
ajv.addFormat("date-time", true);
const validate = ajv.compile(schema);

/** Asserts that every event, as it would be written (JSON round trip), validates against the shipped schema. */
export function expectValidEvents(events: readonly unknown[]): void {
  for (const e of events) {
    const wire = JSON.parse(JSON.stringify(e));
    if (!validate(wire)) {
      throw new Error(`event does not validate: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(wire, null, 2).slice(0, 2000)}`);
    }
  }
}

/** A fresh directory in the temp dir, removed when the test (or, made outside a test, the file) ends. */
export { tempDir } from "./temp-dirs.js";

/** A trail recording into memory, at `trace` level unless told otherwise. */
export function memoryTrail(options: Omit<AuditTrailOptions, "sinks"> = {}) {
  const sink = memorySink();
  const trail = createAuditTrail({ level: "trace", ...options, sinks: [sink] });
  return { trail, sink, events: sink.events };
}

export const ofType = (events: readonly AuditEvent[], type: AuditEvent["type"]) => events.filter((e) => e.type === type);

/** Every event's parent is a run recorded in the same trace (or absent for the root): no orphans. */
export function expectConnectedTree(events: readonly AuditEvent[]): void {
  const runs = new Set(events.filter((e) => e.run_id).map((e) => e.run_id!));
  for (const e of events) {
    if (e.parent_run_id !== undefined) expect(runs, `${e.type} ${e.name} has an orphan parent`).toContain(e.parent_run_id);
  }
}
