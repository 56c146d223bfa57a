// BENCHMARKS.md is made of sections, one per benchmark script; each run replaces only its own
// section (between <!-- bench:NAME --> markers), so the scripts can run separately.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const FILE = new URL("../BENCHMARKS.md", import.meta.url);
const HEADER = `# Benchmarks

Measured by \`npm run bench\`; each script rewrites its own section. Nothing here is asserted by the
test suite. The machine is shared and noisy: variants run interleaved in one process and ratios are
medians of per-round ratios.
`;

export function writeSection(name, markdown) {
  let text = existsSync(FILE) ? readFileSync(FILE, "utf8") : HEADER;
  if (!text.includes("<!-- bench:")) text = HEADER; // the old single-report layout
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, text);
}

export const machine = async () => {
  const { cpus, totalmem } = await import("node:os");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return `Run on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown"}, ${Math.round(totalmem() / 2 ** 30)} GiB; agent-audit-trail ${pkg.version}.`;
};
