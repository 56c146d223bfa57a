import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createRedactor, decryptRedacted } from "../../src/redact/index.js";
import { AuditConfigError } from "../../src/shared/config.js";

const CARD = "4111 1111 1111 1111";

describe("createRedactor().redact", () => {
  const r = createRedactor();

  it("replaces every entity in one scan and reports path, entity and count, never the value", () => {
    const input = { user: { note: `mail jane@example.com or john@example.org, card ${CARD}` }, list: ["call +44 20 7946 0958"] };
    const { value, redactions } = r.redact(input);
    expect(value).toEqual({ user: { note: "mail [EMAIL] or [EMAIL], card **** **** **** 1111" }, list: ["call [PHONE]"] });
    expect(redactions).toEqual([
      { path: "user.note", entity: "EMAIL", count: 2 },
      { path: "user.note", entity: "CREDIT_CARD", count: 1 },
      { path: "list.0", entity: "PHONE", count: 1 },
    ]);
    expect(JSON.stringify(redactions)).not.toContain("jane");
  });

  it("does not mutate its input and returns the same object when nothing is found", () => {
    const clean = { a: { b: ["nothing here", 42, null, true] } };
    expect(r.redact(clean).value).toBe(clean);
    const dirty = { a: { b: "jane@example.com" }, c: { d: "kept" } };
    const out = r.redact(dirty).value;
    expect(dirty.a.b).toBe("jane@example.com");
    expect(out.c).toBe(dirty.c); // untouched branches are shared, not copied
  });

  it("redacts fields by name whatever the value looks like, including non-strings", () => {
    const { value, redactions } = r.redact({ password: "hunter2", apiKey: 12345, headers: { Authorization: "xyz" }, max_tokens: 100, input_tokens: 5 });
    expect(value).toEqual({ password: "[SECRET]", apiKey: "[SECRET]", headers: { Authorization: "[SECRET]" }, max_tokens: 100, input_tokens: 5 });
    expect(redactions.map((x) => x.path)).toEqual(["password", "apiKey", "headers.Authorization"]);
  });

  it("finds values inside JSON strings, content blocks and object keys", () => {
    const { value } = r.redact({
      args: '{"to":"bob@example.org","password":"p4ss-w0rd"}',
      content: [{ type: "text", text: "my SSN is 123-45-6789" }],
      byEmail: { "jane@example.com": 3 },
    });
    expect(JSON.stringify(value)).not.toMatch(/bob@|p4ss|123-45-6789|jane@/);
  });

  it("leaves look-alikes alone", () => {
    const text = "order ORD-2024-001234 on 2024-11-15 v2.14.3 4111 1111 1111 1112 978-3-16-148410-0 000-12-3456 999.1.1.1 max_tokens=1000";
    expect(r.redactText(text)).toBe(text);
  });

  it("gives the same answer for a long text seen again (remembered), counting it each time", () => {
    const long = `${"lorem ipsum ".repeat(30)} reach jane@example.com or 123-45-6789`;
    const first = r.redact({ a: long });
    const again = r.redact({ b: long, c: long });
    expect(first.value.a).toBe(again.value.b);
    expect(again.value.c).toBe(again.value.b);
    expect(again.value.b).not.toContain("jane");
    expect(again.redactions).toEqual([
      { path: "b", entity: "EMAIL", count: 1 },
      { path: "b", entity: "US_SSN", count: 1 },
      { path: "c", entity: "EMAIL", count: 1 },
      { path: "c", entity: "US_SSN", count: 1 },
    ]);
  });

  it("names the vendor of a key assigned to a generic name", () => {
    const { value, redactions } = r.redact("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789");
    expect(value).toBe("OPENAI_API_KEY=[OPENAI_KEY]");
    expect(redactions[0]!.entity).toBe("OPENAI_KEY");
  });
});

describe("operators", () => {
  it("hash: a keyed pseudonym, stable per value, different under another key, ≥ 80 bits", () => {
    const a = createRedactor({ operators: { EMAIL: "hash" }, hashKey: "k".repeat(32) });
    const b = createRedactor({ operators: { EMAIL: "hash" }, hashKey: "q".repeat(32) });
    const t1 = a.redactText("jane@example.com");
    expect(t1).toMatch(/^<EMAIL:[0-9a-f]{20}>$/);
    expect(a.redactText("write to jane@example.com")).toBe(`write to ${t1}`);
    expect(a.redactText("john@example.com")).not.toBe(t1);
    expect(b.redactText("jane@example.com")).not.toBe(t1);
  });

  it("encrypt: reversible only with the key; a tampered token fails", () => {
    const key = randomBytes(32);
    const r = createRedactor({ operator: "encrypt", encryptionKey: key });
    const out = r.redactText("card 4111111111111111 mail jane@example.com");
    expect(out).not.toContain("jane");
    expect(decryptRedacted(out, key)).toBe("card 4111111111111111 mail jane@example.com");
    expect(() => decryptRedacted(out, randomBytes(32))).toThrow();
    const tampered = out.replace(/enc:(.)/, (_, c: string) => `enc:${c === "A" ? "B" : "A"}`);
    expect(() => decryptRedacted(tampered, key)).toThrow();
  });

  it("mask keeps at most the last four; drop removes; replace is the default", () => {
    expect(createRedactor().redactText(`pay ${CARD}`)).toBe("pay **** **** **** 1111");
    expect(createRedactor({ operators: { EMAIL: "mask" } }).redactText("jane.doe@example.com")).not.toContain("jane");
    expect(createRedactor({ operator: "drop" }).redactText("mail jane@example.com now")).toBe("mail  now");
    expect(createRedactor({ operator: "drop" }).redact({ password: "x", keep: 1 }).value).toEqual({ keep: 1 });
    expect(createRedactor({ operator: "replace" }).redactText(CARD)).toBe("[CREDIT_CARD]");
  });
});

describe("custom detectors, allow-list, entity selection", () => {
  it("accepts a regex (with a validator) or a function", () => {
    const r = createRedactor({
      custom: [
        { entity: "EMPLOYEE_ID", pattern: /EMP-\d{6}/, validate: (m) => !m.endsWith("000000") },
        { entity: "CODENAME", detect: (text) => [...text.matchAll(/Project \w+/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length })) },
      ],
    });
    expect(r.redactText("EMP-123456 EMP-000000 Project Falcon jane@example.com")).toBe("[EMPLOYEE_ID] EMP-000000 [CODENAME] [EMAIL]");
  });

  it("keeps allowed values and skips disabled entities", () => {
    const r = createRedactor({ allow: ["support@example.com", /@ourcompany\.com$/], disable: ["IP_ADDRESS"] });
    expect(r.redactText("support@example.com ops@ourcompany.com jane@example.com 10.0.0.1")).toBe("support@example.com ops@ourcompany.com [EMAIL] 10.0.0.1");
    const only = createRedactor({ entities: ["EMAIL"] });
    expect(only.redactText("jane@example.com 123-45-6789 sk-proj-abcdefghijklmnopqrstuvwxyz0123456789")).toBe("[EMAIL] 123-45-6789 sk-proj-abcdefghijklmnopqrstuvwxyz0123456789");
  });

  it("rejects bad configuration at construction, naming the field and the fix", () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ operators: { EMIAL: "hash" } }, /redaction\.operators: unknown entity EMIAL.*Fix/],
      [{ operator: "hash" }, /redaction\.hashKey.*Fix/],
      [{ operator: "hash", hashKey: "short" }, /redaction\.hashKey.*16 bytes/],
      [{ operator: "encrypt", encryptionKey: "not-a-key" }, /encryptionKey must be 32 bytes/],
      [{ custom: [{ entity: "X", pattern: /a*/ }] }, /custom\.0.*empty string/],
      [{ custom: [{ entity: "X", pattern: /a/, detect: () => [] }] }, /exactly one of pattern/],
      [{ custom: [{ entity: "lower", pattern: /a/ }] }, /UPPER_SNAKE_CASE/],
      [{ operator: "shred" }, /operator/],
      [{ colour: "red" }, /unknown option "colour"/],
    ];
    for (const [options, message] of bad) {
      const prevHash = process.env.AGENT_AUDIT_HASH_KEY;
      delete process.env.AGENT_AUDIT_HASH_KEY;
      try {
        expect(() => createRedactor(options as never), JSON.stringify(options)).toThrow(AuditConfigError);
        expect(() => createRedactor(options as never)).toThrow(message);
      } finally {
        if (prevHash !== undefined) process.env.AGENT_AUDIT_HASH_KEY = prevHash;
      }
    }
  });
});

describe("assignments with very long values", () => {
  it("redact the whole value past the pattern's 512-character bound", () => {
    const r = createRedactor();
    const secret = "aB3dE5gH7jK9".repeat(100); // 1,200 characters
    expect(r.redactText(`api_key=${secret} after`)).toBe("api_key=[SECRET] after");
    expect(r.redactText(`password: ${"p4ss".repeat(200)}; next`)).toBe("password: [PASSWORD]; next");
  });
});
