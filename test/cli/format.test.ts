// Numbers for people (cli/format.ts) and the "did you mean" distance (shared/nearest.ts).
import { describe, expect, it } from "vitest";
import { formatDuration, formatMoney, plural } from "../../src/cli/format.js";
import { editDistance, nearest } from "../../src/shared/nearest.js";

describe("formatMoney", () => {
  it.each([
    [0, "$0.00"],
    [12.34, "$12.34"],
    [12.345, "$12.35"],
    [1234.5, "$1,234.50"],
    [0.01, "$0.01"],
    [0.0042, "$0.0042"],
    [0.004249, "$0.0042"],
    [0.005, "$0.005"],
    [0.00999, "$0.01"],
    [0.0001, "$0.0001"],
    [0.00009, "<$0.0001"],
    [1e-9, "<$0.0001"],
    [-0.5, "-$0.50"],
    [Number.NaN, "-"],
  ])("%s → %s", (usd, text) => {
    expect(formatMoney(usd)).toBe(text);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [0.4, "0 ms"],
    [850, "850 ms"],
    [999.4, "999 ms"],
    [1000, "1 s"],
    [1234, "1.2 s"],
    [9960, "10 s"],
    [42_400, "42 s"],
    [60_000, "1 min"],
    [184_000, "3 min 4 s"],
    [3_599_000, "59 min 59 s"],
    [3_600_000, "1 h"],
    [7_500_000, "2 h 5 min"],
    [-1, "-"],
  ])("%s ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("plural", () => {
  it("says 1 of one and any other count of many", () => {
    expect(plural(1, "model call")).toBe("1 model call");
    expect(plural(2, "model call")).toBe("2 model calls");
    expect(plural(0, "event")).toBe("0 events");
    expect(plural(1, "entry", "entries")).toBe("1 entry");
    expect(plural(3, "entry", "entries")).toBe("3 entries");
  });
});

describe("nearest", () => {
  it("counts edits, a swap of neighbours as one", () => {
    expect(editDistance("sesion", "session")).toBe(1);
    expect(editDistance("levle", "level")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests the closest name when it is a likely typo, and nothing when none is close", () => {
    expect(nearest("sesion", ["session", "since", "user"])).toBe("session");
    expect(nearest("levle", ["level", "sinks", "userId"])).toBe("level");
    expect(nearest("SINKS", ["sinks"])).toBe("sinks");
    expect(nearest("frobnicate", ["sessions", "serve", "status"])).toBeUndefined();
    expect(nearest("x", ["y", "json"])).toBe("y");
    expect(nearest("ab", ["xyz"])).toBeUndefined();
  });
});
