/** `agent-audit prove` and `verify-bundle`: evidence bundles (the work is in ../evidence.ts). */
import { readFileSync } from "node:fs";
import { proveCommand as prove, verifyBundleCommand as verifyBundle } from "../evidence.js";
import { progressLine } from "../progress.js";
import { UsageError, describeFilter, type CommandContext } from "../context.js";

export async function proveCommand({ values, dir, io, reading }: CommandContext): Promise<number> {
  reading("prove", describeFilter(values));
  const progress = progressLine("prove", { json: values.json });
  return await prove({ onProgress: progress.update, dir, event: values.event, session: values.session, user: values.user, since: values.since, until: values.until, out: values.out, publicKey: values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined }, io).finally(() => progress.done());
}

export async function verifyBundleCommand({ values, rest, io }: CommandContext): Promise<number> {
  if (!rest[0]) throw new UsageError("verify-bundle needs the bundle file: agent-audit verify-bundle <file>");
  return verifyBundle(rest[0], values["public-key"], values.json, io, values["witness-key"] ?? []);
}
