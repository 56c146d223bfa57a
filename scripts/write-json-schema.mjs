// Writes schema/audit-event.schema.json from the built zod schema (run by `npm run build`).
import { writeFileSync, mkdirSync } from "node:fs";
import { auditEventJsonSchema } from "../dist/events/json-schema.js";

mkdirSync(new URL("../schema/", import.meta.url), { recursive: true });
writeFileSync(new URL("../schema/audit-event.schema.json", import.meta.url), JSON.stringify(auditEventJsonSchema(), null, 2) + "\n");
