/** `agent-audit serve`: the local web viewer over a trail, its index or a database, until Ctrl-C. */
import { readFileSync } from "node:fs";
import { IndexedStore } from "../../index/indexed-store.js";
import { serve } from "../../serve/server.js";
import { AuditConfigError } from "../../shared/config.js";
import { openStore, storeKind } from "../../store/open.js";
import { UsageError, type CommandContext } from "../context.js";

export async function serveCommand({ values, dir, io, refuseWidened }: CommandContext): Promise<number> {
  const target = values.store ?? dir;
  const isDir = storeKind(target) === "dir";
  if (isDir) refuseWidened(target);
  const port = values.port === undefined ? 4319 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const store = isDir && !values["no-index"] ? new IndexedStore(target) : openStore(target, { table: values.table });
  let server;
  try {
    server = await serve({ store, dir: isDir ? target : undefined, host: values.host, port, token: values.token, actor: values.actor, publicKey: values["public-key"] ? readFileSync(values["public-key"], "utf8") : undefined, allowedHosts: values["allowed-host"], onError: (err) => io.err(`agent-audit serve: ${err.message}`) });
  } catch (err) {
    await store.close();
    if (err instanceof AuditConfigError) throw new UsageError(`--allowed-host: ${err.message.replace(/^allowedHosts: /, "")}`);
    throw err;
  }
  io.out(`agent-audit viewer on ${server.url}${server.token && !values.token ? "  (token generated: keep this URL private)" : ""}`);
  io.out("Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await store.close();
  return 0;
}
