/**
 * The fault suite's parts: a child process that runs a user's script against the built package,
 * and a real HTTP receiver whose answers a test scripts request by request (ok, 5xx, 429 with
 * Retry-After, a hang, a connection reset mid-body, a slow answer). Receivers verify every
 * delivery with the reference Standard Webhooks library and collect event ids. A TCP proxy in front
 * of a real server (ClickHouse) takes that destination down and brings it back.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { onTestFinished } from "vitest";

export const SECRET = `whsec_${Buffer.from("fault-suite-secret-32-bytes-long!").toString("base64")}`;
const CHILD = fileURLToPath(new URL("./children/trail-child.mjs", import.meta.url));

export interface ChildLine {
  recorded?: string;
  step?: string;
  [key: string]: unknown;
}

export interface ChildRun {
  proc: ChildProcess;
  lines: ChildLine[];
  /** Ids the child said it recorded (each printed after trail.record() returned). */
  recorded: () => string[];
  step: (name: string) => ChildLine | undefined;
  /** Resolves once a line satisfies `test`. */
  waitFor: (test: (line: ChildLine) => boolean) => Promise<ChildLine>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Children still running; none outlives the test process, and none runs longer than a bound. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});
const CHILD_LIMIT_MS = 120_000;

/** Runs the trail child with `config` (see children/trail-child.mjs), or another of children/ (`child`). */
export function runChild(config: Record<string, unknown>, options: { preload?: string; env?: Record<string, string>; child?: string } = {}): ChildRun {
  const program = options.child ? fileURLToPath(new URL(`./children/${options.child}`, import.meta.url)) : CHILD;
  const args = [...(options.preload ? ["--import", options.preload] : []), program, JSON.stringify(config)];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
  running.add(proc);
  const limit = setTimeout(() => proc.kill("SIGKILL"), CHILD_LIMIT_MS);
  // However the test ends (a failed assertion included), its children end with it.
  try {
    onTestFinished(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    });
  } catch {
    // not inside a test (a hook): the exit handler above still covers it
  }
  proc.on("exit", () => {
    running.delete(proc);
    clearTimeout(limit);
  });
  const lines: ChildLine[] = [];
  const waiters: Array<{ test: (l: ChildLine) => boolean; resolve: (l: ChildLine) => void }> = [];
  let buffer = "";
  let stderr = "";
  proc.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) !== -1) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: ChildLine;
      try {
        line = JSON.parse(text) as ChildLine;
      } catch {
        continue; // a line cut by kill -9
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal, stderr })));
  return {
    proc,
    lines,
    recorded: () => lines.filter((l) => l.recorded).map((l) => l.recorded!),
    step: (name) => lines.find((l) => l.step === name),
    waitFor: (test) => {
      const found = lines.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exit.then((x) => reject(new Error(`child exited (${x.code ?? x.signal}) before the expected line; stderr: ${x.stderr.slice(-2000)}`)));
      });
    },
    exit,
  };
}

export type Answer = "ok" | "hang" | "reset" | { status: number; headers?: Record<string, string> } | { delayMs: number };

/** A Standard Webhooks receiver on 127.0.0.1 whose answer to request n is `answer(n)`. */
export class Receiver {
  readonly ids = new Set<string>();
  /** Every id, duplicates included, in arrival order. */
  readonly arrivals: string[] = [];
  /** When each request arrived (ms since the epoch). */
  readonly requestTimes: number[] = [];
  requests = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly verifier = new Webhook(SECRET);

  constructor(public answer: (n: number) => Answer = () => "ok") {}

  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    this.server = server;
    return this.url;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++this.requests;
    this.requestTimes.push(Date.now());
    const answer = this.answer(n);
    if (answer === "reset") {
      // Cut the connection while the request body is still arriving.
      req.once("data", () => req.socket.destroy());
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    if (answer === "hang") return; // accepted, never answered
    if (typeof answer === "object" && "delayMs" in answer) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (typeof answer === "object" && "status" in answer) {
      res.writeHead(answer.status, answer.headers).end();
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    let payload: { data: { events: Array<{ id: string }> } };
    try {
      payload = this.verifier.verify(body, headers) as typeof payload;
    } catch {
      res.writeHead(401).end();
      return;
    }
    for (const e of payload.data.events) {
      this.ids.add(e.id);
      this.arrivals.push(e.id);
    }
    res.writeHead(200).end();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const execFileAsync = promisify(execFile);

/** Runs the built `agent-audit` CLI; its exit status and everything it printed. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await execFileAsync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** The ids of `expected` that `got` does not have. */
export function missing(expected: Iterable<string>, got: ReadonlySet<string>): string[] {
  return [...expected].filter((id) => !got.has(id));
}

/** A reproducible PRNG (mulberry32) for the seeded kill loop: the benchmarks' own (bench/seeded.mjs). */
export { seededRandom as seeded } from "../../bench/seeded.mjs";

/**
 * What the proxy does with a connection: `pass` pipes it to the server; `refuse` closes the
 * listening socket (connection refused); `reset` forwards the request head and the first bytes of
 * its body, then cuts both sides (the server may or may not have run the request); `drop-answer`
 * forwards the whole request and cuts the client off when the server starts answering (the insert
 * landed, the client never hears so); `hang` accepts and reads, and never answers.
 */
export type ProxyMode = "pass" | "refuse" | "reset" | "drop-answer" | "hang";

/** A TCP proxy on 127.0.0.1 in front of `upstream` (host:port) whose behaviour a test switches. */
export class FaultyProxy {
  mode: ProxyMode = "pass";
  /** Connections accepted, per mode they were accepted in. */
  readonly accepted: Record<ProxyMode, number> = { pass: 0, refuse: 0, reset: 0, "drop-answer": 0, hang: 0 };
  /** `drop-answer` connections where the server had answered 200: a request that ran, unbeknown to the client. */
  answersDropped = 0;
  private server: TcpServer | undefined;
  private port_ = 0;
  private readonly sockets = new Set<Socket>();
  /** Connections accepted while hanging: they stay hung after the mode changes (a stalled server does not answer them later either). */
  private readonly hung = new Set<Socket>();

  constructor(private readonly upstream: { host: string; port: number }) {}

  get port(): number {
    return this.port_;
  }

  /** Listens (on a free port the first time, the same port after). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createTcpServer((client) => this.handle(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port_, "127.0.0.1", () => resolve());
    });
    this.port_ = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Switches mode. Every open connection but the hung ones is cut, as an outage (or its end) would cut it. */
  async set(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    this.cutAll();
    if (mode === "refuse") await this.closeListener();
    else await this.open();
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const s of this.hung) s.destroy();
    await this.closeListener();
  }

  private cutAll() {
    for (const s of this.sockets) if (!this.hung.has(s)) s.destroy();
  }

  private async closeListener() {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(s: Socket) {
    this.sockets.add(s);
    s.on("close", () => (this.sockets.delete(s), this.hung.delete(s)));
    s.on("error", () => {}); // resets are the point here
  }

  private handle(client: Socket) {
    const mode = this.mode;
    this.accepted[mode]++;
    this.track(client);
    if (mode === "hang") {
      this.hung.add(client);
      client.resume(); // read everything, answer nothing
      return;
    }
    const server = connect(this.upstream.port, this.upstream.host);
    this.track(server);
    const cut = () => (client.destroy(), server.destroy());
    client.on("close", cut);
    server.on("close", cut);
    if (mode === "pass") {
      client.pipe(server);
      server.pipe(client);
      return;
    }
    if (mode === "drop-answer") {
      client.pipe(server);
      server.once("data", (chunk: Buffer) => {
        if (chunk.toString("latin1").startsWith("HTTP/1.1 200")) this.answersDropped++;
        cut();
      });
      return;
    }
    // reset: the head and a few bytes of the body reach the server, then both sides are cut.
    let seen = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const head = seen.indexOf("\r\n\r\n");
      if (head === -1 || seen.length <= head + 4) return;
      server.write(seen.subarray(0, Math.min(seen.length, head + 4 + 16)), () => cut());
      client.removeAllListeners("data");
      client.pause();
    });
  }
}
