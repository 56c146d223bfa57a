// Redaction that holds wherever data hides (issue 17). One GitHub token, one Stripe-like key, one
// password and one e-mail address are planted in every place an event can hold text
// (placement/placements.mjs: message content and content blocks, reasoning, tool arguments and
// results, JSON in strings at depth 1 to 3, \u escapes, object keys, tags, metadata, run, agent
// and tool names, errors with cause, code and stack, URLs, form bodies, header lists and header
// objects, base64, retriever documents, custom events), by a real LangChain program in a child
// process against the built package (placement/child.mjs). Then every place the trail writes to or
// tells anything is read back (placement/scenario.ts), and none may hold a probe, raw or as a
// fragment, URL- or JSON-escaped, or in base64: the JSONL trail, the spool, the dead letters, the
// access logs, the other files of the trail (erasure records, checkpoints), what the trail told the
// application (onError, stats, results, warnings), the CLI's output, and every destination's
// request bodies (webhook, Langfuse OTLP and legacy, LangSmith, OTLP JSON and protobuf,
// Elasticsearch, S3, and PostgreSQL when a server is available).
//
// Two runs. With the redactor as shipped, the test says what a user gets. With a redactor that is
// also given the probes themselves (redaction.custom), detection is out of the question, so any
// leak left is data that never went through redaction: the pipeline's fault, not the detectors'.
//
// A location test first lists the leaks it found (file, JSON path, looking into JSON inside
// strings, or the text around it), then checks the location received redacted data at all, so none
// passes by being empty. PLACEMENT_REDACTION=off runs both with `redaction: false`, where every
// location test must fail. Needs `npm run build`; PostgreSQL: scripts/with-postgres.sh or DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import S3rver from "s3rver";
import { tempDir } from "../helpers.js";
import { makeProbes, needles } from "./placement/probes.js";
import { leaksIn } from "./placement/leaks.js";
import { runScenario, type S3Place, type Scenario } from "./placement/scenario.js";

const DB = process.env.DATABASE_URL;
if (!DB) console.warn("placement.test: DATABASE_URL is not set and no PostgreSQL server could be started; the PostgreSQL location is skipped");
const REDACTION_OFF = process.env.PLACEMENT_REDACTION === "off";

const probes = makeProbes();
const NEEDLES = needles(probes);
const reason = `request by ${probes.email} about ${probes.secret}`;

let s3server: S3rver;
const s3: S3Place = { bucket: "placement", endpoint: "", credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } };
beforeAll(async () => {
  s3server = new S3rver({ port: 0, address: "127.0.0.1", directory: tempDir(), silent: true, configureBuckets: [{ name: s3.bucket, configs: [] }] });
  const { port } = (await s3server.run()) as { port: number };
  s3.endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await s3server?.close();
});

/** Where the probes were planted in the bag every channel carries (see placements.mjs). */
const SHAPES = [
  "p_straddling_cut", "p_prose", "p_json_depth_1", "p_json_depth_2", "p_json_depth_3", "p_json_unicode_escapes", "p_keys", "p_url", "p_url_in_text", "p_form_body",
  "p_header_list", "p_header_list_basic", "p_header_objects", "p_base64", "p_base64_json", "p_password_field",
];
const CHANNELS = ["via_args", "via_result", "via_custom_event", "via_record", "via_record_metadata", "via_handler_metadata", "via_handler_run_metadata", "via_retriever_run_metadata", "via_document_metadata"];

/** Location: the test's title, its documents, and what proves it received redacted content. */
const LOCATIONS: Array<[string, string, RegExp]> = [
  ["the JSONL trail", "trail", /\[GITHUB_TOKEN\][\s\S]*\[EMAIL\]/],
  ["the spool", "spool", /\[EMAIL\]/],
  ["the dead-letter file, with the reasons it gives", "deadLetters", /"reason":"HTTP 400[\s\S]*\[EMAIL\]/],
  ["the access logs (erasure reasons, query filters, viewer pages)", "accessLogs", /"action":"erase"[\s\S]*\[EMAIL\]/],
  ["the trail's other files (erasure records, checkpoints, cursors)", "otherFiles", /"type":"erasure"[^\n]*\[EMAIL\]/],
  ["what the trail told the application (onError payloads, stats, erasure and shutdown results, warnings)", "toldTheApp", /"errors":\[\{[\s\S]*\[GITHUB_TOKEN\]/],
  ["the CLI's output", "cli", /\[EMAIL\]/],
  ["the signed webhook's bodies", "webhook", /\[EMAIL\]/],
  ["the bodies sent to the rejecting webhook", "rejecting", /\[EMAIL\]/],
  ["Langfuse (OTLP ingestion v4)", "langfuse", /\[EMAIL\]/],
  ["Langfuse (legacy ingestion)", "langfuseLegacy", /\[EMAIL\]/],
  ["LangSmith", "langsmith", /\[EMAIL\]/],
  ["OTLP (JSON)", "otlp", /\[EMAIL\]/],
  ["OTLP (protobuf)", "otlpProtobuf", /\[EMAIL\]/],
  ["Elasticsearch", "elasticsearch", /\[EMAIL\]/],
  ["S3", "s3", /\[EMAIL\]/],
];

function placementSuite(name: string, oracle: string[] | undefined) {
  let run: Scenario;
  beforeAll(async () => {
    run = await runScenario({ name, probes, reason, oracle, redactionOff: REDACTION_OFF, s3, db: DB });
  }, 300_000);
  const text = (location: string) => (run.docs[location] ?? []).map((d) => d.text).join("\n");

  it("the program ran, and every placement and channel reached the trail", () => {
    expect(run.child.code, run.child.stderr.slice(-3000)).toBe(0);
    expect(run.told, run.child.stdout.slice(-3000)).toBeDefined();
    expect(run.told!.flushed.complete).toBe(true);
    expect(run.told!.erasure.events).toBeGreaterThan(0);
    // The erasure was forwarded, and the user's own sink failed it with a message worth redacting.
    expect(run.told!.erasure.forwarded).toMatchObject({ langfuse: expect.stringMatching(/^done: /), "archive-api": expect.stringMatching(/^failed: (Error: )?DELETE /) });
    const trail = text("trail");
    const expected = [...SHAPES, ...CHANNELS, '"tool_error"', '"retriever_end"', '"policy"', '"trail.gap"', "customer_note"];
    expect(expected.filter((p) => !trail.includes(p))).toEqual([]);
    // Each command did its job: a refused erasure or query would leave nothing to check.
    for (const { args, ran } of run.commands) expect([0, 1], `agent-audit ${args.join(" ")}: ${ran.stderr}`).toContain(ran.code);
    expect(run.pages.every((p) => p.endsWith("→ 200")), run.pages.join("; ")).toBe(true);
  });

  it.each(LOCATIONS)("%s holds none of them", (_title, location, received) => {
    expect(leaksIn(run.docs[location] ?? [], NEEDLES)).toEqual([]);
    expect(text(location)).toMatch(received);
  });

  it.skipIf(!DB)("PostgreSQL (events, signed erasure records, maintenance log) holds none of them", () => {
    expect(leaksIn(run.docs.postgres ?? [], NEEDLES)).toEqual([]);
    expect(text("postgres")).toMatch(/\[EMAIL\][\s\S]*"reason": ?"request by \[EMAIL\]/);
  });

  return () => run;
}

describe("one token, one key, one password and one e-mail address, planted everywhere: redaction as shipped", () => {
  const run = placementSuite("shipped", undefined);

  // Where the redactor's detection falls short, by the shape the probe was hidden in: each lists
  // the channels (via_…) where that shape kept a probe in the trail every destination reads.
  it.each(SHAPES)("%s: the trail holds no probe planted in this shape, through any channel", (shape) => {
    const docs = run().docs.trail ?? [];
    const inShape = new RegExp(`\\.${shape}(?![a-z_0-9])`);
    expect(leaksIn(docs, NEEDLES, (l) => inShape.test(l))).toEqual([]);
  });
});

describe("one token, one key, one password and one e-mail address, planted everywhere: a redactor that knows the probes", () => {
  placementSuite("oracle", NEEDLES.map((n) => n.text));
});
