#!/usr/bin/env node
// Regenerates test/fixtures/merkle-vectors.json from a checkout of transparency-dev/merkle
// (https://github.com/transparency-dev/merkle, Apache-2.0): its RFC 6962 inclusion and consistency
// proof probes (testdata/inclusion, testdata/consistency) and its reference tree (testonly/constants.go).
//
//   node scripts/refresh-merkle-vectors.mjs <path to a transparency-dev/merkle checkout>
//
// The data is vendored as it is (base64 hashes), with its source, commit and license recorded.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const repo = process.argv[2];
if (!repo) {
  console.error("usage: node scripts/refresh-merkle-vectors.mjs <transparency-dev/merkle checkout>");
  process.exit(2);
}
const commit = execFileSync("git", ["-C", repo, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();

function probes(kind) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".json")) out.push({ file: path.slice(repo.length + 1), ...JSON.parse(readFileSync(path, "utf8")) });
    }
  };
  walk(join(repo, "testdata", kind));
  return out;
}

// The reference tree: leaf inputs (hex) and the root for every size 0..8.
const constants = readFileSync(join(repo, "testonly", "constants.go"), "utf8");
const section = (name) => constants.slice(constants.indexOf(`func ${name}`), constants.indexOf("\n}\n", constants.indexOf(`func ${name}`)));
const hexes = (text) => [...text.matchAll(/hd\("([0-9a-f]*)"\)/g)].map((m) => m[1]);

const vectors = {
  source: "https://github.com/transparency-dev/merkle",
  commit,
  license: "Apache-2.0",
  files: "testdata/inclusion/**/*.json, testdata/consistency/**/*.json, testonly/constants.go",
  reference_tree: { leaf_inputs_hex: hexes(section("LeafInputs")), roots_hex_by_size: ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ...hexes(section("RootHashes"))] },
  inclusion: probes("inclusion"),
  consistency: probes("consistency"),
};
writeFileSync(new URL("../test/fixtures/merkle-vectors.json", import.meta.url), JSON.stringify(vectors, null, 1) + "\n");
console.log(`wrote ${vectors.inclusion.length} inclusion and ${vectors.consistency.length} consistency probes from ${commit}`);
