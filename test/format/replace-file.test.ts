// Replacing a file whole leaves no temporary file beside it, whether the replacement succeeds or
// fails (here: a directory in the way makes the rename fail after the temporary file was written).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replaceFile, replaceFileSync } from "../../src/format/replace-file.js";
import { cursorFile, saveCursor, sinkDir } from "../../src/format/trail-format.js";
import { tempDir } from "../helpers.js";

describe("replaceFile / replaceFileSync", () => {
  for (const [name, replace] of [
    ["sync", async (f: string, t: string) => replaceFileSync(f, t)],
    ["async", replaceFile],
  ] as const) {
    it(`${name}: replaces the file whole and leaves nothing beside it`, async () => {
      const dir = tempDir();
      const file = join(dir, "state.json");
      writeFileSync(file, "old");
      await replace(file, "new");
      expect(readFileSync(file, "utf8")).toBe("new");
      expect(readdirSync(dir)).toEqual(["state.json"]);
    });

    it(`${name}: when the rename fails, the error is thrown and the temporary file is removed`, async () => {
      const dir = tempDir();
      const file = join(dir, "state.json");
      mkdirSync(join(file, "in-the-way"), { recursive: true });
      await expect(replace(file, "new")).rejects.toThrow();
      expect(readdirSync(dir)).toEqual(["state.json"]);
    });
  }

  it("a cursor that cannot be saved leaves no temporary file in the sink's directory", async () => {
    const dir = tempDir();
    const chain = "01900000-0000-7000-8000-0000000000aa";
    mkdirSync(join(cursorFile(dir, "hook", chain), "in-the-way"), { recursive: true });
    const record = { segment: undefined, offset: 0, delivered: 1, dead_lettered: 0, dropped: 0, updated: new Date().toISOString() };
    await expect(saveCursor(dir, "hook", chain, record)).rejects.toThrow();
    expect(readdirSync(sinkDir(dir, "hook"))).toEqual([`${chain}.cursor.json`]);
  });
});
