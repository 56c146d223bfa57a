/**
 * What `require("agent-audit-trail")` loads: the package is an ES module only, and this says so.
 * Without it Node answers a bare ERR_PACKAGE_PATH_NOT_EXPORTED, which names no fix. Node 20.19+
 * could require() the ES build itself, but we refuse on every version on purpose: a CommonJS
 * application gets LangChain's CommonJS build while our modules import its ES build, two copies of
 * @langchain/core side by side (a dual-package hazard). The message shows both ways in.
 */
const error = new Error(
  [
    "agent-audit-trail is an ES module only package: require() cannot load it.",
    'In an ES module (.mjs, or "type": "module"):  import { createAuditTrail } from "agent-audit-trail";',
    'In CommonJS:  const { createAuditTrail } = await import("agent-audit-trail");',
  ].join("\n"),
) as Error & { code: string };
// Node's own code for "this is ESM, use import", so callers that check codes recognise it.
error.code = "ERR_REQUIRE_ESM";
throw error;
