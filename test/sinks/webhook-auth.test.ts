// Webhook authenticity, by trying to break each promise of verifyWebhook and webhookSink: odd
// timestamps, the tolerance edges, replays, tampering, id poisoning, a bounded replay guard, async
// stores, the real `standardwebhooks` package as the sender, and a sink that will not send unsigned
// requests by accident. Test requests are signed here with node:crypto, not with our own `sign`.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { createHmac } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Webhook } from "standardwebhooks";
import {
  AuditConfigError,
  createReplayGuard,
  forgetWebhookId,
  verifyWebhook,
  verifyWebhookAsync,
  webhookSink,
  WebhookVerificationError,
  type AuditEvent,
  type WebhookVerificationErrorCode,
} from "../../src/index.js";

const SECRET = `whsec_${Buffer.from("webhook-auth-test-secret-32-bytes").toString("base64")}`;
const OTHER_SECRET = `whsec_${Buffer.from("some-other-secret-of-32-bytes-xx").toString("base64")}`;
const NOW_S = 1_700_000_000;
const NOW = NOW_S * 1000 + 400; // milliseconds, not on a second boundary
const BODY = JSON.stringify({ type: "audit.events", data: { events: [{ id: "e1" }] } });

let counter = 0;
/** A fresh id per request: the default guard is process-wide, so tests must not share ids. */
const freshId = () => `msg_test_${process.pid}_${++counter}`;

function hmac(secret: string, id: string, timestamp: string, body: string | Buffer): string {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64")}`;
}

/** Headers of a genuine request, signed over the exact timestamp text given. */
function signed(opts: { id?: string; timestamp?: string; body?: string; secret?: string } = {}) {
  const id = opts.id ?? freshId();
  const timestamp = opts.timestamp ?? String(NOW_S);
  const body = opts.body ?? BODY;
  return { id, body, headers: { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": hmac(opts.secret ?? SECRET, id, timestamp, body) } };
}

/** The code of the WebhookVerificationError `fn` throws (fails the test if it throws anything else). */
function codeOf(fn: () => unknown): WebhookVerificationErrorCode {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return (err as WebhookVerificationError).code;
  }
  throw new Error("expected verifyWebhook to throw");
}

async function asyncCodeOf(promise: Promise<unknown>): Promise<WebhookVerificationErrorCode> {
  const err = await promise.then(
    () => expect.fail("expected verifyWebhookAsync to reject"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WebhookVerificationError);
  return (err as WebhookVerificationError).code;
}

const verify = (req: { headers: Record<string, string>; body: string | Buffer }, extra: Record<string, unknown> = {}) =>
  verifyWebhook({ secret: SECRET, headers: req.headers, body: req.body, now: NOW, ...extra });

describe("verifyWebhook: timestamps", () => {
  it("accepts only plain decimal digits, whatever Number() would make of the rest", () => {
    const odd = [
      "1.7e9", // Number() → 1700000000, exactly now
      " 1700000000 ",
      "1700000000 ",
      "\t1700000000",
      "1700000000\n",
      "0x65",
      "0x6553F100", // 1700000000 in hex
      "0o14524770400",
      "0b1",
      "1700000000.0",
      "1700000000.",
      "+1700000000",
      "-1700000000",
      "-0",
      "01700000000", // a second spelling of the same instant
      "17e8",
      "1_700_000_000",
      "1,700,000,000",
      "Infinity",
      "NaN",
      "١٧٠٠٠٠٠٠٠٠", // Arabic-Indic digits
      "１７００００００００", // full-width digits
      "9".repeat(400),
      "99999999999999999999", // digits, but beyond a safe integer
    ];
    expect(Number(odd[0])).toBe(NOW_S); // the old Number()-based check took these
    for (const timestamp of odd) {
      const req = signed({ timestamp }); // a valid signature over the odd text: only the format is wrong
      expect(codeOf(() => verify(req)), JSON.stringify(timestamp)).toBe("bad_timestamp");
      // Signed over the canonical digits but sent with the odd spelling: the old check normalised
      // the header with Number() before checking the signature, and so accepted these.
      const canonical = signed();
      expect(codeOf(() => verify({ body: canonical.body, headers: { ...canonical.headers, "webhook-timestamp": timestamp } })), JSON.stringify(timestamp)).toBe("bad_timestamp");
    }
    const err = (() => {
      try {
        verify(signed({ timestamp: "1.7e9" }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(/plain digits.*"1\.7e9"/);
  });

  it("accepts a timestamp exactly at the tolerance either way, and rejects one second beyond", () => {
    expect(verify(signed({ timestamp: String(NOW_S - 300) }))).toMatchObject({ type: "audit.events" });
    expect(verify(signed({ timestamp: String(NOW_S + 300) }))).toMatchObject({ type: "audit.events" });
    expect(codeOf(() => verify(signed({ timestamp: String(NOW_S - 301) })))).toBe("expired");
    expect(codeOf(() => verify(signed({ timestamp: String(NOW_S + 301) })))).toBe("expired");
    expect(codeOf(() => verify(signed({ timestamp: "0" })))).toBe("expired"); // digits, but 1970
    expect(() => verify(signed({ timestamp: String(NOW_S - 301) }))).toThrow(/301 s old, beyond the tolerance of 300 s/);
    expect(() => verify(signed({ timestamp: String(NOW_S + 301) }))).toThrow(/301 s in the future/);
  });

  it("honours toleranceSeconds, and refuses one that would disable the check", () => {
    expect(verify(signed({ timestamp: String(NOW_S - 10) }), { toleranceSeconds: 10 })).toBeDefined();
    expect(codeOf(() => verify(signed({ timestamp: String(NOW_S - 11) }), { toleranceSeconds: 10 }))).toBe("expired");
    expect(codeOf(() => verify(signed({ timestamp: String(NOW_S + 11) }), { toleranceSeconds: 10 }))).toBe("expired");
    expect(verify(signed({ timestamp: String(NOW_S) }), { toleranceSeconds: 0 })).toBeDefined();
    expect(codeOf(() => verify(signed({ timestamp: String(NOW_S - 1) }), { toleranceSeconds: 0 }))).toBe("expired");
    for (const toleranceSeconds of [NaN, -1, Infinity, "300"]) {
      expect(() => verify(signed(), { toleranceSeconds }), String(toleranceSeconds)).toThrow(TypeError);
    }
    expect(() => verify(signed(), { now: NaN })).toThrow(TypeError);
  });

  it("uses the real clock by default", () => {
    const req = signed({ timestamp: String(Math.floor(Date.now() / 1000)) });
    expect(verifyWebhook({ secret: SECRET, headers: req.headers, body: req.body })).toMatchObject({ type: "audit.events" });
  });
});

describe("verifyWebhook: signatures and headers", () => {
  it("rejects a tampered body, id or timestamp, and a wrong secret", () => {
    const req = signed();
    expect(codeOf(() => verify({ ...req, body: req.body.replace('"e1"', '"e2"') }))).toBe("bad_signature");
    expect(codeOf(() => verify({ ...req, body: `${req.body} ` }))).toBe("bad_signature");
    expect(codeOf(() => verify({ ...req, headers: { ...req.headers, "webhook-id": `${req.id}x` } }))).toBe("bad_signature");
    expect(codeOf(() => verify({ ...req, headers: { ...req.headers, "webhook-timestamp": String(NOW_S + 1) } }))).toBe("bad_signature");
    expect(codeOf(() => verify(signed({ secret: OTHER_SECRET })))).toBe("bad_signature");
    expect(verify(req)).toMatchObject({ type: "audit.events" }); // the untouched request still passes
  });

  it("reads a space-separated list of signatures, only v1, compared exactly", () => {
    const req = signed();
    const good = req.headers["webhook-signature"];
    const value = good.slice(3);
    const withSig = (sig: string) => ({ ...req, headers: { ...req.headers, "webhook-signature": sig } });
    expect(codeOf(() => verify(withSig(`v2,${value}`)))).toBe("bad_signature");
    expect(codeOf(() => verify(withSig(value)))).toBe("bad_signature");
    expect(codeOf(() => verify(withSig(`v1,${value.slice(0, -1)}`)))).toBe("bad_signature"); // padding dropped
    expect(codeOf(() => verify(withSig(`v1,${value}A`)))).toBe("bad_signature");
    expect(codeOf(() => verify(withSig("v1,")))).toBe("bad_signature");
    expect(verify(withSig(`v1,${Buffer.alloc(32).toString("base64")} v1a,${value}  ${good}`))).toBeDefined();
  });

  it("names missing headers, finds them in any case or in a fetch Headers, and takes raw Buffers", () => {
    const req = signed();
    const { "webhook-signature": _sig, ...noSig } = req.headers;
    expect(codeOf(() => verify({ ...req, headers: noSig }))).toBe("missing_header");
    expect(() => verify({ ...req, headers: noSig })).toThrow(/missing header webhook-signature/);
    expect(() => verify({ ...req, headers: {} })).toThrow(/missing headers webhook-id, webhook-timestamp, webhook-signature/);
    expect(codeOf(() => verify({ ...req, headers: { ...req.headers, "webhook-timestamp": "" } }))).toBe("missing_header");

    const upper = signed();
    expect(verify({ body: upper.body, headers: { "Webhook-Id": upper.id, "WEBHOOK-TIMESTAMP": upper.headers["webhook-timestamp"], "Webhook-Signature": upper.headers["webhook-signature"] } })).toBeDefined();
    const fetched = signed();
    expect(verifyWebhook({ secret: SECRET, headers: new Headers(fetched.headers), body: Buffer.from(fetched.body), now: NOW })).toMatchObject({ type: "audit.events" });
    const arrays = signed();
    expect(verifyWebhook({ secret: SECRET, headers: { ...arrays.headers, "webhook-id": [arrays.id] }, body: arrays.body, now: NOW })).toBeDefined();
  });

  it("checks the raw bytes of a Buffer body, and explains a body that was already parsed", () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]); // not valid UTF-8
    const id = freshId();
    const headers = { "webhook-id": id, "webhook-timestamp": String(NOW_S), "webhook-signature": hmac(SECRET, id, String(NOW_S), bytes) };
    expect(verify({ headers, body: bytes })).toHaveProperty("a");
    const req = signed();
    expect(() => verifyWebhook({ secret: SECRET, headers: req.headers, body: JSON.parse(req.body) as never, now: NOW })).toThrow(/raw request body/);
    expect(() => verifyWebhook({ secret: "plain", headers: req.headers, body: req.body, now: NOW })).toThrow(TypeError);
  });

  it("accepts a request signed by the standardwebhooks package, and the package accepts what we accept", () => {
    const sender = new Webhook(SECRET);
    const id = freshId();
    const at = new Date(NOW);
    const headers = { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": sender.sign(id, at, BODY) };
    expect(verify({ headers, body: BODY })).toEqual(JSON.parse(BODY));
    const ours = signed({ timestamp: String(Math.floor(Date.now() / 1000)) });
    expect(sender.verify(ours.body, ours.headers)).toEqual(JSON.parse(BODY));
  });
});

describe("verifyWebhook: replays", () => {
  it("rejects the same request twice with code replayed, and accepts it again after forgetWebhookId", () => {
    const req = signed();
    expect(verify(req)).toMatchObject({ type: "audit.events" });
    expect(codeOf(() => verify(req))).toBe("replayed");
    expect(() => verify(req)).toThrow(/already accepted/);
    // A retry from the sender re-signs with a new timestamp but keeps the id: still a replay.
    expect(codeOf(() => verify(signed({ id: req.id, timestamp: String(NOW_S + 5) })))).toBe("replayed");
    expect(forgetWebhookId(req.id)).toBe(true);
    expect(verify(req)).toBeDefined();
    expect(codeOf(() => verify(req))).toBe("replayed");
    expect(forgetWebhookId("msg_never_seen")).toBe(false);
  });

  it("records an id only once everything else verified: forged, expired or non-JSON requests cannot burn it", () => {
    const id = freshId();
    const forged = { body: BODY, headers: { "webhook-id": id, "webhook-timestamp": String(NOW_S), "webhook-signature": `v1,${Buffer.alloc(32, 7).toString("base64")}` } };
    expect(codeOf(() => verify(forged))).toBe("bad_signature");
    expect(codeOf(() => verify(signed({ id, secret: OTHER_SECRET })))).toBe("bad_signature");
    expect(codeOf(() => verify(signed({ id, timestamp: String(NOW_S - 3600) })))).toBe("expired");
    expect(codeOf(() => verify(signed({ id, timestamp: "1.7e9" })))).toBe("bad_timestamp");
    expect(codeOf(() => verify(signed({ id, body: "not json" })))).toBe("bad_body");
    expect(verify(signed({ id }))).toMatchObject({ type: "audit.events" }); // the genuine one is accepted
    expect(codeOf(() => verify(signed({ id })))).toBe("replayed");
  });

  it("uses a caller's seen(id, ttlSeconds) instead of the default guard, only after the signature verified", () => {
    const store = new Set<string>();
    const calls: Array<[string, number]> = [];
    const seen = (id: string, ttlSeconds: number) => {
      calls.push([id, ttlSeconds]);
      if (store.has(id)) return true;
      store.add(id);
      return false;
    };
    const req = signed();
    expect(codeOf(() => verify({ ...req, body: `${req.body} ` }, { seen }))).toBe("bad_signature");
    expect(calls).toEqual([]);
    expect(verify(req, { seen })).toBeDefined();
    expect(codeOf(() => verify(req, { seen }))).toBe("replayed");
    expect(calls).toEqual([
      [req.id, 601],
      [req.id, 601],
    ]);
    verify(signed(), { seen, toleranceSeconds: 30 });
    expect(calls.at(-1)![1]).toBe(61); // 2× the tolerance, plus a second for rounding: how long the id stays replayable
    // The caller's store is the only one consulted: the default guard never saw this id.
    expect(verify(req)).toBeDefined();
    expect(() => verify(signed(), { seen: () => undefined })).toThrow(/seen must return true .* or false/);
    expect(() => verify(signed(), { seen: "no" })).toThrow(TypeError);
  });

  it("verifyWebhookAsync awaits an async seen (a shared store), with the same semantics", async () => {
    const store = new Map<string, number>();
    let calls = 0;
    const seen = async (id: string, ttlSeconds: number) => {
      calls++;
      await new Promise((r) => setTimeout(r, 1));
      if (store.has(id)) return true;
      store.set(id, ttlSeconds);
      return false;
    };
    const input = (req: ReturnType<typeof signed>) => ({ secret: SECRET, headers: req.headers, body: req.body, now: NOW, seen });
    const req = signed();
    expect(await asyncCodeOf(verifyWebhookAsync({ ...input(req), body: "tampered" }))).toBe("bad_signature");
    expect(calls).toBe(0);
    await expect(verifyWebhookAsync(input(req))).resolves.toMatchObject({ type: "audit.events" });
    expect(await asyncCodeOf(verifyWebhookAsync(input(req)))).toBe("replayed");
    expect(store.get(req.id)).toBe(601);
    store.delete(req.id); // the caller's "forget"
    await expect(verifyWebhookAsync(input(req))).resolves.toBeDefined();
    // Without seen it uses the default guard; a synchronous seen works too; errors reject, never throw.
    const plain = signed();
    await expect(verifyWebhookAsync({ secret: SECRET, headers: plain.headers, body: plain.body, now: NOW })).resolves.toBeDefined();
    expect(codeOf(() => verify(plain))).toBe("replayed");
    await expect(verifyWebhookAsync({ ...input(signed()), seen: () => false })).resolves.toBeDefined();
    const rejected = verifyWebhookAsync({ ...input(signed()), seen: async () => Promise.reject(new Error("redis down")) });
    await expect(rejected).rejects.toThrow("redis down");
    await expect(verifyWebhookAsync({ ...input(signed({ timestamp: "x" })) })).rejects.toMatchObject({ code: "bad_timestamp" });
  });

  it("the synchronous verifyWebhook refuses a seen that answers with a promise, with a TypeError naming the fix", () => {
    let called = 0;
    const asyncSeen = async () => {
      called++;
      return false;
    };
    expect(() => verify(signed(), { seen: asyncSeen })).toThrow(TypeError);
    expect(() => verify(signed(), { seen: asyncSeen })).toThrow(/verifyWebhookAsync/);
    expect(called).toBe(0); // refused before it could record anything
    const promiseSeen = () => Promise.resolve(false);
    expect(() => verify(signed(), { seen: promiseSeen })).toThrow(/seen returned a Promise.*verifyWebhookAsync/);
    const failing = () => Promise.reject(new Error("store down")); // must not become an unhandled rejection
    expect(() => verify(signed(), { seen: failing })).toThrow(TypeError);
  });
});

describe("createReplayGuard", () => {
  it("is bounded: past maxIds the oldest accepted ids are evicted, and size never exceeds maxIds", () => {
    const guard = createReplayGuard({ maxIds: 1_000 });
    for (let i = 0; i < 50_000; i++) {
      expect(guard.seen(`id-${i}`)).toBe(false);
      if (i % 5_000 === 0) expect(guard.size).toBeLessThanOrEqual(1_000);
    }
    expect(guard.size).toBe(1_000);
    expect(guard.seen("id-49999")).toBe(true); // the newest are kept
    expect(guard.seen("id-49000")).toBe(true);
    expect(guard.seen("id-48999")).toBe(false); // evicted, so new again (and now remembered)
    expect(guard.size).toBe(1_000);
    expect(guard.seen("id-49000")).toBe(false); // that insertion evicted the then-oldest
  });

  it("keeps memory bounded under a flood of distinct ids", () => {
    // A real gc, so that heapUsed measures what is kept, not garbage not yet collected.
    setFlagsFromString("--expose_gc");
    const gc = runInNewContext("gc") as () => void;
    const guard = createReplayGuard({ maxIds: 100 });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300_000; i++) guard.seen(`flood-${i}-${"x".repeat(64)}`);
    expect(guard.size).toBe(100);
    gc();
    // Keeping all 300,000 ids of ~80 chars takes about 70 MiB; 100 of them take almost nothing.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 2 ** 20);
  });

  it("forgets ids after ttlSeconds (default 601 s: the 600 s window and a second for rounding), or later when a caller asks for longer", () => {
    let now = 1_000_000;
    const guard = createReplayGuard({ clock: () => now });
    expect(guard.seen("a")).toBe(false);
    now += 600_999;
    expect(guard.seen("a")).toBe(true);
    now += 1;
    expect(guard.size).toBe(0);
    expect(guard.seen("a")).toBe(false);

    const short = createReplayGuard({ ttlSeconds: 10, clock: () => now });
    short.seen("b", 100); // verifyWebhook asks for 2× its tolerance
    short.seen("c", 1); // never shorter than the guard's own ttl
    now += 10_000;
    expect(short.seen("c")).toBe(false);
    expect(short.seen("b")).toBe(true);
    now += 90_000;
    expect(short.seen("b")).toBe(false);
  });

  it("forget(id) makes the id acceptable again; guards are independent of each other and of the default", () => {
    const one = createReplayGuard();
    const two = createReplayGuard();
    expect(one.seen("x")).toBe(false);
    expect(two.seen("x")).toBe(false);
    expect(one.forget("x")).toBe(true);
    expect(one.forget("x")).toBe(false);
    expect(one.seen("x")).toBe(false);
    expect(two.seen("x")).toBe(true);

    const req = signed();
    const { seen } = one; // usable detached, as the seen option
    expect(verify(req, { seen })).toBeDefined();
    expect(codeOf(() => verify(req, { seen }))).toBe("replayed");
    expect(verify(req)).toBeDefined(); // the default guard is separate
  });

  it("rejects bad options naming the field", () => {
    expect(() => createReplayGuard({ maxIds: 0 })).toThrow(AuditConfigError);
    expect(() => createReplayGuard({ maxIds: 1.5 })).toThrow(/maxIds/);
    expect(() => createReplayGuard({ ttlSeconds: -1 })).toThrow(/ttlSeconds/);
    expect(() => createReplayGuard({ maxId: 10 } as never)).toThrow(/unknown option "maxId"/);
  });
});

describe("webhookSink: signed unless asked otherwise", () => {
  const HOST = "https://receiver.example.test";
  const event = { id: "01900000-0000-7000-8000-000000000001", chain_id: "c1", seq: 1, type: "custom", data: {} } as unknown as AuditEvent;

  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  /** What the receiver got for each request sent through `sink`. */
  function capture() {
    const got: Array<{ headers: Record<string, string>; body: string }> = [];
    nock(HOST)
      .persist()
      .post("/hook")
      .reply(function (_uri, body) {
        const headers = Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k, String(v)]));
        got.push({ headers, body: typeof body === "string" ? body : JSON.stringify(body) });
        return [200, ""];
      });
    return got;
  }

  it("refuses to be built without a secret, naming the field and both fixes", () => {
    expect(() => webhookSink({ url: `${HOST}/hook` })).toThrow(AuditConfigError);
    expect(() => webhookSink({ url: `${HOST}/hook` })).toThrow(/webhookSink: secret is missing.*Fix: pass secret: 'whsec_…'.*or unsigned: true/);
    expect(() => webhookSink({ url: `${HOST}/hook`, unsigned: false })).toThrow(/secret is missing/);
  });

  it("refuses both secret and unsigned: true", () => {
    expect(() => webhookSink({ url: `${HOST}/hook`, secret: SECRET, unsigned: true })).toThrow(AuditConfigError);
    expect(() => webhookSink({ url: `${HOST}/hook`, secret: SECRET, unsigned: true })).toThrow(/both secret and unsigned: true/);
  });

  it("unsigned: true sends no webhook-signature (but still the id and timestamp)", async () => {
    const got = capture();
    const sink = webhookSink({ url: `${HOST}/hook`, unsigned: true });
    expect(await sink.send([event])).toMatchObject({ ok: true });
    expect(got).toHaveLength(1);
    expect(got[0]!.headers).not.toHaveProperty("webhook-signature");
    expect(got[0]!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(got[0]!.headers["webhook-timestamp"]).toMatch(/^[1-9][0-9]*$/);
    expect(codeOf(() => verifyWebhook({ secret: SECRET, headers: got[0]!.headers, body: got[0]!.body }))).toBe("missing_header");
  });

  it("a signed delivery verifies once; the sender's retry of the same batch is replayed until the receiver forgets the id", async () => {
    const got = capture();
    const sink = webhookSink({ url: `${HOST}/hook`, secret: SECRET });
    const batchId = `batch-${freshId()}`;
    const signal = new AbortController().signal;
    await sink.send([event], { batchId, signal, attempt: 1 });
    await sink.send([event], { batchId, signal, attempt: 2 }); // a retry: same batch, same webhook-id
    expect(got).toHaveLength(2);
    const [first, retry] = got as [(typeof got)[0], (typeof got)[0]];
    expect(retry.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(verifyWebhook({ secret: SECRET, headers: first.headers, body: first.body })).toMatchObject({ type: "audit.events" });
    expect(codeOf(() => verifyWebhook({ secret: SECRET, headers: retry.headers, body: retry.body }))).toBe("replayed");
    // The receiver's processing failed after verification: it forgets the id, answers 5xx, and the retry is accepted.
    forgetWebhookId(first.headers["webhook-id"]!);
    expect(verifyWebhook({ secret: SECRET, headers: retry.headers, body: retry.body })).toMatchObject({ type: "audit.events" });
  });
});
