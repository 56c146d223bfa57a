// Personal data in object keys: redacted like values, and never left behind in redactions[].path.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/index.js";

describe("personal data in object keys", () => {
  it("never reaches redactions[].path, and two keys that redact alike keep both values", () => {
    const redactor = createRedactor();
    const { value, redactions } = redactor.redact({ users: { "alice@example.com": { note: "call +1 415 555 0100" }, "bob@example.org": { note: "ok" } } });
    expect(value).toEqual({ users: { "[EMAIL]": { note: "call [PHONE]" }, "[EMAIL]#2": { note: "ok" } } });
    const paths = JSON.stringify(redactions);
    expect(paths).not.toContain("alice");
    expect(paths).not.toContain("bob");
    expect(redactions).toContainEqual(expect.objectContaining({ path: "users.[EMAIL].note", entity: "PHONE" }));
  });
});
