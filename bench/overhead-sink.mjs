// The loopback "backend" for the peers in bench/overhead.mjs, run in its own process so that
// receiving and parsing their exports is not charged to the benchmark process. It answers what
// Langfuse's OTLP exporter and LangSmith's client call (200, empty body / empty JSON) and counts
// what arrived: `GET /__stats` returns the counts as JSON. Prints its port on stdout once listening.
import { createServer } from "node:http";
import { gunzipSync } from "node:zlib";

const stats = {};
const count = (key, bytes, items = 0) => {
  const s = (stats[key] ??= { requests: 0, bytes: 0, items: 0 });
  s.requests++;
  s.bytes += bytes;
  s.items += items;
};

/** Spans in an OTLP/HTTP JSON export (Langfuse v5 sends JSON). */
function otlpSpans(body) {
  try {
    const doc = JSON.parse(body.toString("utf8"));
    let n = 0;
    for (const rs of doc.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
    return n;
  } catch {
    return 0;
  }
}

/** Run creations and updates in a LangSmith multipart body: parts named `post.<id>` / `patch.<id>`. */
const multipartRuns = (body) => body.toString("latin1").match(/name="(?:post|patch)\.[0-9a-f-]+"/g)?.length ?? 0;

/** Runs in a LangSmith /runs/batch JSON body. */
function batchRuns(body) {
  try {
    const doc = JSON.parse(body.toString("utf8"));
    return (doc.post?.length ?? 0) + (doc.patch?.length ?? 0);
  } catch {
    return 0;
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body = Buffer.concat(chunks);
    const wireBytes = body.length;
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/__stats") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(stats));
      return;
    }
    if (path === "/api/public/otel/v1/traces") {
      count("langfuse otlp", wireBytes, req.headers["content-encoding"] ? 0 : otlpSpans(body));
      res.writeHead(200, { "content-type": "application/json" });
      res.end();
      return;
    }
    if (path === "/info") {
      count("langsmith info", wireBytes);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    if (path === "/runs/multipart") {
      count("langsmith multipart", wireBytes, req.headers["content-encoding"] ? 0 : multipartRuns(body));
    } else if (path === "/runs/batch") {
      count("langsmith batch", wireBytes, batchRuns(body));
    } else {
      count(`other ${req.method} ${path}`, wireBytes);
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
process.stdin.resume();
process.stdin.on("end", () => process.exit(0)); // the parent went away
