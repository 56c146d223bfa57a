// A user's script, run as its own process against the BUILT package (imported by name, the way
// users import it). What it does comes from one JSON argument, so every fault test drives the same
// program. It prints one JSON line per step on stdout (pipes are synchronous on Linux, so a line
// printed before a kill -9 is a line the test can read):
//   {"recorded": "<event id>"}            after each trail.record() returned
//   {"step": "<name>", ...}               after each stage, with results and stats
import { createAuditTrail, jsonlSink, webhookSink } from "agent-audit-trail";

const config = JSON.parse(process.argv[2]);
const errors = [];
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const sinks = [jsonlSink({ dir: config.dir })];
if (config.url) sinks.push(webhookSink({ url: config.url, secret: config.secret, delivery: config.delivery }));
// Only the options the test set: an option left out must mean the default, not `undefined`.
const given = (names) => Object.fromEntries(names.filter((n) => config[n] !== undefined).map((n) => [n, config[n]]));
const trail = createAuditTrail({ sinks, ...given(["delivery", "exitHandlers", "exitFlushMs", "limits", "integrity"]), onError: (e) => errors.push(e.message) });

// A second copy of the library in the same process (two versions in one monorepo), with its own trail.
let second;
if (config.secondCopy) {
  const copy = await import(config.secondCopy);
  second = copy.createAuditTrail({
    sinks: [copy.jsonlSink({ dir: config.secondDir }), copy.webhookSink({ url: config.url, secret: config.secret, delivery: config.delivery })],
    delivery: config.delivery,
    onError: (e) => errors.push(e.message),
  });
}

if (config.ownSigterm) {
  // An application that owns its shutdown: the trail must leave the signal to it.
  process.on("SIGTERM", async () => {
    const result = await trail.shutdown({ timeoutMs: 5_000 });
    print({ step: "own-sigterm", result });
    process.exit(0);
  });
}

const pad = config.eventChars ? "x".repeat(config.eventChars) : undefined;
const record = (i) => {
  const user = config.users ? { user_id: config.users[i % config.users.length] } : {};
  const session = config.sessions ? { session_id: config.sessions[i % config.sessions.length] } : {};
  const e = trail.record({ type: "custom", name: "tick", ...user, ...session, data: { i, pid: process.pid, ...(pad ? { pad } : {}) } });
  // After shutdown (a signal's, say) record() returns undefined: the event was not recorded.
  if (e && config.printIds !== false) print({ recorded: e.id });
  const e2 = second?.record({ type: "custom", name: "tick2", data: { i } });
  if (e2 && config.printIds !== false) print({ recorded: e2.id });
  return e !== undefined;
};

let i = 0;
for (; i < (config.count ?? 0); i++) {
  record(i);
  if (config.yieldEvery && i % config.yieldEvery === 0) await sleep(config.yieldMs ?? 1);
}
print({ step: "recorded", count: i });

switch (config.then) {
  case "flush": {
    const started = Date.now();
    const result = await trail.flush({ timeoutMs: config.timeoutMs });
    print({ step: "flushed", result, elapsed: Date.now() - started, stats: trail.stats(), errors });
    break;
  }
  case "shutdown": {
    const started = Date.now();
    const result = await trail.shutdown({ timeoutMs: config.timeoutMs });
    print({ step: "shut-down", result, elapsed: Date.now() - started, stats: trail.stats(), errors });
    break;
  }
  case "stream": {
    // Keeps recording until killed or signalled.
    print({ step: "streaming", chain: trail.chainId });
    while (record(i++)) await sleep(config.yieldMs ?? 2);
    print({ step: "closed" });
    break;
  }
  case "wait": {
    print({ step: "waiting", chain: trail.chainId, sigterm_listeners: process.listenerCount("SIGTERM") });
    setInterval(() => {}, 1_000);
    break;
  }
  default:
    // Ends with no flush and no shutdown: whatever happens now is the trail's exit handling.
    print({ step: "ending", stats: trail.stats() });
}
