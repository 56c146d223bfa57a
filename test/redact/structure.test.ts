// Sensitive names and every detector apply inside structure hidden in strings, at any depth.
import { describe, expect, it } from "vitest";
import { createRedactor } from "../../src/redact/index.js";

const redactor = createRedactor();
const SECRET = "hunter2-not-a-real-one";
/** `depth` levels of JSON in a string: the innermost object holds the secret and an address. */
const nest = (depth: number): string => {
  let v: object = { note: "ok", password: SECRET, who: "alice@example.com" };
  for (let i = 0; i < depth - 1; i++) v = { [`level${i}`]: JSON.stringify(v) };
  return JSON.stringify(v);
};

describe("structure inside strings", () => {
  it.each([1, 2, 3])("JSON in a string %i deep: keys and values are redacted, the rest kept", (depth) => {
    const input = { result: nest(depth) };
    const { value, redactions } = redactor.redact(input);
    const text = JSON.stringify(value);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("alice@example.com");
    expect(text).toContain("ok");
    // Paths say where, through each decoding, and never hold a value.
    const levels = Array.from({ length: depth - 1 }, (_, i) => `.level${depth - 2 - i}.(json)`).join("");
    expect(redactions.map((r) => r.path)).toEqual([`result.(json)${levels}.password`, `result.(json)${levels}.who`]);
    expect(JSON.stringify(redactions)).not.toContain(SECRET);
  });

  it("JSON encoded twice (a JSON string literal holding JSON)", () => {
    const out = redactor.redact({ result: JSON.stringify(nest(2)) });
    expect(JSON.stringify(out.value)).not.toContain(SECRET);
    expect(out.redactions[0]!.path).toBe("result.(json).(json).level0.(json).password");
  });

  it("query strings and form bodies: secret-named parameters and URL-encoded entities", () => {
    const out = redactor.redactText(`GET https://api.example.com/x?email=alice%40example.com&access_token=${SECRET}&q=hello`);
    expect(out).toBe("GET https://api.example.com/x?email=[EMAIL]&access_token=[SECRET]&q=hello");
    expect(redactor.redactText("username=bob&password=pa%20ss&remember=1")).toBe("username=bob&password=[PASSWORD]&remember=1");
    const phone = encodeURIComponent("call +44 20 7946 0958");
    expect(redactor.redactText(`q=${phone}&lang=en`)).toBe("q=[PHONE]&lang=en");
  });

  it("header lists and name/value records", () => {
    const headers = [["Authorization", "Basic dXNlcjpwYXNz"], ["X-Api-Key", "k"], ["Accept", "application/json"]];
    expect(redactor.redact(headers).value).toEqual([["Authorization", "[SECRET]"], ["X-Api-Key", "[SECRET]"], ["Accept", "application/json"]]);
    const fields = [{ name: "password", value: SECRET }, { key: "session_token", value: "abc" }, { name: "color", value: "blue" }];
    expect(redactor.redact(fields).value).toEqual([{ name: "password", value: "[SECRET]" }, { key: "session_token", value: "[SECRET]" }, { name: "color", value: "blue" }]);
    // A plain pair that is not in a list is data, not a header: tags stay.
    expect(redactor.redact({ tags: ["auth", "login"] }).value).toEqual({ tags: ["auth", "login"] });
  });

  it("base64 blobs that decode to text holding an entity, JSON included", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    expect(redactor.redactText(`blob ${b64("contact alice@example.com please")} end`)).toBe("blob [EMAIL] end");
    expect(redactor.redactText(`blob ${b64(JSON.stringify({ password: SECRET }))}`)).toBe("blob [SECRET]");
    expect(redactor.redactText(`url-safe ${Buffer.from("mail bob@example.org now!").toString("base64url")}`)).toBe("url-safe [EMAIL]");
    const harmless = `sha512-${Buffer.from("x".repeat(64)).toString("base64")} and ${b64("just a sentence, nothing here")}`;
    expect(redactor.redactText(harmless)).toBe(harmless);
  });

  it("numbers sent as JSON numbers are scanned as their digits", () => {
    expect(redactor.redact({ card: 4111111111111111, count: 123456789, ms: 1700000000000 }).value).toEqual({ card: "************1111", count: 123456789, ms: 1700000000000 });
  });

  it("a hostile string nested deeper than the limit is scanned as text, not walked", () => {
    const deep = "[".repeat(50_000) + '"alice@example.com"' + "]".repeat(50_000);
    expect(redactor.redactText(deep)).not.toContain("alice@example.com");
    const wide = JSON.stringify(Array.from({ length: 5 }, () => nest(3)));
    expect(redactor.redactText(wide)).not.toContain(SECRET);
  });
});
