/**
 * `agent-audit witness serve`: run an HTTP witness (src/witness/) over a state directory. Its own
 * argument parser, so the witness's options do not crowd the trail commands'.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { plural } from "./format.js";
import { defaultKeyFile, keyId, loadOrCreateSigningKey } from "../integrity/keys.js";
import { keyStoreDir, storedKeys } from "../integrity/trust.js";
import { createWitnessServer, listen } from "../witness/server.js";

export const WITNESS_HELP = `agent-audit witness serve — a C2SP tlog-witness for trail checkpoints

Usage: agent-audit witness serve --dir <state> [options]

  --dir <path>         the witness's state (created 0700): latest cosigned checkpoint per origin, evidence.jsonl
  --host <addr>        listen address (default 127.0.0.1)
  --port <n>           port (default 8417; 0 picks a free one)
  --name <name>        the witness's key name (default <hostname>/agent-audit-witness)
  --key-file <file>    the witness's Ed25519 private key, PEM (created 0600 if absent; default
                       $AGENT_AUDIT_KEY_DIR/witness-key.pem); never the trail's signing key
  --log-key <file>     a trusted log public key, PEM; repeatable (default: the keys of the local
                       key store, agent-audit trust list)
  --origin-prefix <p>  origins this witness accepts (default agent-audit-trail/)

POST <url>/add-checkpoint submits a checkpoint; GET <url>/<hex sha256(origin)>/checkpoint reads the latest.`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultName = () => `${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, "-") || "localhost"}/agent-audit-witness`;

function readPublicKey(file: string): KeyObject {
  // A private key file is accepted too: only its public half is kept.
  const key = createPublicKey(readFileSync(file, "utf8"));
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${file}: log keys are Ed25519`);
  return key;
}

/** Resolves when the process is told to stop. */
const stopped = () =>
  new Promise<void>((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });

export async function witnessCommand(argv: string[], io: Io, until: () => Promise<void> = stopped): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        name: { type: "string" },
        "key-file": { type: "string" },
        "log-key": { type: "string", multiple: true },
        "origin-prefix": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    io.err(`agent-audit witness: ${(err as Error).message}\nRun agent-audit witness --help for usage.`);
    return 2;
  }
  if (values.help) {
    io.out(WITNESS_HELP);
    return 0;
  }
  const usage = (message: string) => {
    io.err(`agent-audit witness: ${message}\nRun agent-audit witness --help for usage.`);
    return 2;
  };
  if (positionals[0] !== "serve" || positionals.length > 1) return usage(positionals[0] ? `unknown witness command "${positionals.join(" ")}"` : "witness needs a command: serve");
  if (!values.dir) return usage("witness serve needs --dir <state directory>");
  const port = values.port === undefined ? 8417 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usage(`--port must be a port number, got "${values.port}"`);
  const name = values.name ?? defaultName();
  try {
    const keyFile = resolve(values["key-file"] ?? join(keyStoreDir(), "witness-key.pem"));
    if (keyFile === resolve(defaultKeyFile())) return usage("the witness key must not be the trail's signing key; pass another --key-file");
    const signingKey = loadOrCreateSigningKey({ keyFile });
    const logKeys = values["log-key"]?.length ? values["log-key"].map(readPublicKey) : [...storedKeys().values()];
    if (!logKeys.length) return usage(`no trusted log keys: pass --log-key <public key pem>, or add keys to ${keyStoreDir()} (agent-audit trust add)`);
    const server = createWitnessServer({ dir: values.dir, name, signingKey, logKeys, originPrefix: values["origin-prefix"], onError: (err) => io.err(`agent-audit witness: ${(err as Error).message}`) });
    let listening;
    try {
      listening = await listen(server, { port, host: values.host ?? "127.0.0.1" });
    } catch (err) {
      server.close();
      throw err;
    }
    io.out(`agent-audit witness on ${listening.url} (POST ${listening.url}/add-checkpoint)`);
    io.out(`witness key: ${server.verifierKey}`);
    io.out(`trusting ${plural(logKeys.length, "log key")}: ${logKeys.map(keyId).join(", ")}; state in ${resolve(values.dir)}`);
    io.out("Ctrl-C to stop.");
    await until();
    await listening.close();
    return 0;
  } catch (err) {
    io.err(`agent-audit witness: ${(err as Error).message}`);
    return 1;
  }
}
