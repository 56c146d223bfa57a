/**
 * The JSON Schema of the audit event, generated from the zod schema so the two never disagree.
 * Shipped as `schema/audit-event.schema.json`; `npm run build` regenerates it and a test checks the
 * committed file is current.
 */
import * as z from "zod";
import { auditEventSchema, SCHEMA_VERSION } from "./schema.js";

export const JSON_SCHEMA_ID = `urn:agent-audit-trail:audit-event:v${SCHEMA_VERSION}`;

export function auditEventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(auditEventSchema, { target: "draft-2020-12", io: "output" }) as Record<string, unknown>;
  return { $id: JSON_SCHEMA_ID, title: "AuditEvent", description: "One record of an agent-audit-trail trail.", ...schema };
}
