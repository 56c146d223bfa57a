/**
 * The architecture's one-way rule, checked on every run: no module imports itself back through
 * others, and no folder does either (the folders form layers; ARCHITECTURE.md draws them). Type-only
 * imports count too: a cycle through types is still a design in which neither side can be read
 * without the other.
 *
 * The import graph is read from the source text (static `import`/`export … from` and `import()` of
 * relative paths), the way a reader follows it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") && !path.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?(?:[^;'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** file (relative to src) → the files and packages it imports. */
function importGraph(): { files: Map<string, string[]>; packages: Map<string, string[]> } {
  const files = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const path of sourceFiles(SRC)) {
    const from = relative(SRC, path);
    const text = readFileSync(path, "utf8");
    const local: string[] = [];
    const external: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith(".")) local.push(relative(SRC, resolve(dirname(path), spec.replace(/\.js$/, ".ts"))));
      else external.push(spec);
    }
    files.set(from, local);
    packages.set(from, external);
  }
  return { files, packages };
}

/** The strongly connected components with more than one member (Tarjan), i.e. the cycles. */
export function cycles(graph: Map<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const folderOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file);

/** For each folder, the folders it imports from and one file-level edge that shows it. */
function folderGraph(files: Map<string, string[]>): { graph: Map<string, string[]>; witness: Map<string, string> } {
  const graph = new Map<string, Set<string>>();
  const witness = new Map<string, string>();
  for (const [from, tos] of files) {
    const a = folderOf(from);
    if (!graph.has(a)) graph.set(a, new Set());
    for (const to of tos) {
      const b = folderOf(to);
      if (a === b) continue;
      graph.get(a)!.add(b);
      if (!witness.has(`${a}→${b}`)) witness.set(`${a}→${b}`, `${from} → ${to}`);
    }
  }
  return { graph: new Map([...graph].map(([k, v]) => [k, [...v]])), witness };
}

const { files, packages } = importGraph();

describe("imports go one way", () => {
  it("every relative import names a file that exists (the graph below is complete)", () => {
    const missing = [...files].flatMap(([from, tos]) => tos.filter((to) => !files.has(to)).map((to) => `${from} → ${to}`));
    expect(missing).toEqual([]);
  });

  it("no module imports itself back through others", () => {
    expect(cycles(files)).toEqual([]);
  });

  it("no folder imports itself back through others", () => {
    const { graph, witness } = folderGraph(files);
    const found = cycles(graph).map((component) => {
      const inside = new Set(component);
      return component.flatMap((a) => graph.get(a)!.filter((b) => inside.has(b)).map((b) => witness.get(`${a}→${b}`)!));
    });
    expect(found).toEqual([]);
  });

  it("the pipeline and everything below it knows nothing of LangChain or of capture", () => {
    const below = ["events", "format", "shared", "limits", "redact", "integrity", "store", "sinks", "witness", "pipeline", "pricing"];
    const offending = [...files].flatMap(([from, tos]) => {
      if (!below.includes(folderOf(from))) return [];
      const bad = tos.filter((to) => folderOf(to) === "capture").concat(packages.get(from)!.filter((p) => /^(@langchain\/|langchain($|\/))/.test(p)));
      return bad.map((to) => `${from} → ${to}`);
    });
    expect(offending).toEqual([]);
  });

  it("the check finds a cycle when there is one", () => {
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).toEqual([["a", "b", "c"]]);
    expect(cycles(new Map([["a", ["a"]]]))).toEqual([["a"]]);
    expect(cycles(new Map([["a", ["b"]], ["b", []]]))).toEqual([]);
  });
});
