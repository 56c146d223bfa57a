// Detectors find their entity whatever stands beside it, and leave look-alikes alone.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";

const redactor = createRedactor();
const redact = (text: string) => redactor.redactText(text);

describe("entities glued to punctuation, other scripts and separators", () => {
  it.each([
    ["-alice@example.com", "alice@example.com"],
    ["(bob@corp.io)", "bob@corp.io"],
    ["[mail](mailto:carol@example.org)", "carol@example.org"],
    ["<dave@example.net>,", "dave@example.net"],
    ["_erin@example.com_", "erin@example.com"],
    ["write to frank@example.com.", "frank@example.com"],
    ["jürgen@müller.de", "jürgen@müller.de"],
    ["联系用户@例子.中国", "用户@例子.中国"],
    ["user@xn--mller-kva.de", "user@xn--mller-kva.de"],
    ["email=alice%40example.com&x=1", "alice%40example.com"],
    ["call +49\u00a0151\u00a012345678 now", "151\u00a012345678"],
    ["call +44\u202f20\u202f7946\u202f0958 now", "7946\u202f0958"],
    ["tel: (555)\u2009123-4567", "123-4567"],
    ["ssn 123.45.6789", "123.45.6789"],
    ["ssn_123-45-6789", "123-45-6789"],
    ["card_4111111111111111", "411111111111"],
    ["cc-4111-1111-1111-1111", "4111-1111-1111"],
    ["4111.1111.1111.1111", "4111.1111.1111"],
    ["4111\u00a01111\u00a01111\u00a01111", "4111\u00a01111"],
    ["fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"],
    ["mac=00:1a:2b:3c:4d:5e;", "00:1a:2b:3c:4d:5e"],
    ["mac 00-1A-2B-3C-4D-5E.", "00-1A-2B-3C-4D-5E"],
    ["switch 001a.2b3c.4d5e", "001a.2b3c.4d5e"],
  ])("%j", (input, value) => {
    expect(redact(input)).not.toContain(value);
  });

  it.each([
    "release v1.4.2 on 2024-11-05 at 10:45:30",
    "order 4111111111111112", // Luhn-invalid
    "commit 0573199431c02b567d331aa210c48b60eb3ccd70",
    "id 550e8400-e29b-41d4-a716-446655440000",
    "ISBN 978-0-596-52068-7",
    "price $1,234.56 and 1.234,56 EUR",
    "AT60 6361 4177 1953 2932", // an invalid IBAN's digits are not a card
    "ssn 000-12-3456 and 666-12-3456",
    "version 123.45.6789a",
    "the ratio a:b:c is 1:2:3",
    '{"ts": "12:30:45", "note": "a::b"}',
    "pkg@1.2.3 and @scope/name",
  ])("leaves %j alone", (text) => {
    expect(redact(text)).toBe(text);
  });

  it("stays linear on pathological input", () => {
    // Not a timing: a quadratic scan of these would take minutes, a linear one milliseconds.
    for (const chunk of ["@", "1", "a.", "a@", "1 ", ":", "-1", "%40", "aaaa", "password=", "{\"a\":"]) {
      const text = chunk.repeat(Math.ceil(100_000 / chunk.length));
      const out = redact(text);
      expect(typeof out).toBe("string");
    }
  });
});
