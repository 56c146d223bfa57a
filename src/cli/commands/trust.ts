/** `agent-audit trust add|list`: the keys (and trail pins) verify trusts. */
import { keyStoreDir, storedKeys, trustAdd } from "../../integrity/trust.js";
import { UsageError, type CommandContext } from "../context.js";

export async function trustCommand({ values, rest, io }: CommandContext): Promise<number> {
  const [verb, target] = rest;
  if (verb === "list") {
    const keys = [...storedKeys().keys()];
    if (values.json) io.out(JSON.stringify({ key_store: keyStoreDir(), keys }, null, 2));
    else io.out(keys.length ? `Trusted keys in ${keyStoreDir()}:\n${keys.map((k) => `  ${k}`).join("\n")}` : `No trusted keys in ${keyStoreDir()} yet.`);
    return 0;
  }
  if (verb !== "add" || !target) throw new UsageError("trust add <key.pem|trail dir> pins a key (check it out of band first); trust list shows the trusted keys");
  const added = trustAdd(target);
  io.out(added.pinned ? `Pinned ${added.pinned} to key ${added.key_id}: verify will trust that key for this trail, and say so if the trail's key ever changes.` : `Trusted key ${added.key_id} (in ${keyStoreDir()}).`);
  return 0;
}
