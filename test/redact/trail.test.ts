// Redaction inside the trail: a real agent run with personal data and secrets in every place a run
// carries them reaches the sinks with none of it left.
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createAgent, fakeModel, tool, AIMessage, HumanMessage } from "langchain";
import * as z from "zod";
import { createAuditTrail } from "../../src/capture/audit-trail.js";
import { jsonlSink } from "../../src/sinks/jsonl.js";
import { memorySink } from "../../src/sinks/memory.js";
import { expectValidEvents, tempDir } from "../helpers.js";
import type { Sink } from "../../src/sinks/types.js";

const SECRETS = {
  email: "jane.doe@example.com",
  phone: "+44 20 7946 0958",
  card: "4111 1111 1111 1111",
  iban: "DE89 3704 0044 0532 0130 00",
  ssn: "123-45-6789",
  key: "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
  password: "Tr0ub4dor&3",
  metaEmail: "ops.lead@example.org",
  toolResultEmail: "agent.smith@example.net",
};
const leaked = (text: string) => Object.values(SECRETS).filter((v) => text.includes(v) || text.includes(v.replace(/ /g, "")));

function piiAgent() {
  const lookup = tool(async ({ email }) => `Customer ${email}: contact ${SECRETS.toolResultEmail}, IBAN ${SECRETS.iban}`, {
    name: "lookup_customer",
    description: "look up",
    schema: z.object({ email: z.string(), card: z.string() }),
  });
  const charge = tool(
    async () => {
      throw new Error(`card ${SECRETS.card} declined for ${SECRETS.email} (api key ${SECRETS.key})`);
    },
    { name: "charge", description: "charge", schema: z.object({ amount: z.number() }) },
  );
  const model = fakeModel()
    .respond(
      new AIMessage({
        content: `I'll look up ${SECRETS.email} and charge the card.`,
        tool_calls: [
          { id: "c1", name: "lookup_customer", args: { email: SECRETS.email, card: SECRETS.card }, type: "tool_call" },
          { id: "c2", name: "charge", args: { amount: 10 }, type: "tool_call" },
        ],
      }),
    )
    .respond(new AIMessage({ content: `Done; I will call ${SECRETS.phone}. SSN on file ${SECRETS.ssn}.` }));
  return createAgent({ model, tools: [lookup, charge] });
}

describe("trail redaction", () => {
  it("leaves no personal data or secret in the memory or JSONL sinks after a full agent run", async () => {
    const dir = tempDir();
    const memory = memorySink();
    const trail = createAuditTrail({ level: "trace", sinks: [memory, jsonlSink({ dir })], context: { metadata: { owner: SECRETS.metaEmail } } });
    await piiAgent().invoke(
      { messages: [new HumanMessage(`I'm ${SECRETS.email}, card ${SECRETS.card}, password: ${SECRETS.password}`)] },
      { callbacks: [trail.handler({ tags: [`customer:${SECRETS.email}`] })], metadata: { session_id: "s1", api_key: SECRETS.key, note: `iban ${SECRETS.iban}` } },
    );
    await trail.shutdown();

    const memoryText = JSON.stringify(memory.events);
    const fileText = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).map((f) => readFileSync(join(dir, f), "utf8")).join("");
    expect(leaked(memoryText)).toEqual([]);
    expect(leaked(fileText)).toEqual([]);

    // It really was there, and the trail says where it was taken out.
    const redactions = memory.events.flatMap((e) => (e.redactions ?? []).map((r) => `${e.type}:${r.path}:${r.entity}`));
    expect(redactions).toEqual(expect.arrayContaining([
      "input:data.content:EMAIL",
      "input:data.content:CREDIT_CARD",
      "input:data.content:PASSWORD",
      "tool_start:data.args.email:EMAIL",
      "tool_end:data.result:IBAN",
      "tool_error:data.error.message:CREDIT_CARD",
      "tool_error:data.error.stack:OPENAI_KEY",
      "output:data.content:PHONE",
      "chain_start:metadata.api_key:SECRET",
      "chain_start:metadata.owner:EMAIL",
      "chain_start:tags.0:EMAIL",
    ]));
    expect(JSON.stringify(memory.events.map((e) => e.redactions))).not.toMatch(/jane|4111|sk-proj/);
    expectValidEvents(memory.events);
    expect(fileText.split("\n").filter(Boolean).length).toBe(memory.events.length);
  });

  it("redacts internal error messages too (a sink failure quoting the event)", async () => {
    const errors: Error[] = [];
    const quoting: Sink = {
      name: "quoting",
      kind: "local",
      send(batch) {
        throw new Error(`cannot deliver ${JSON.stringify(batch[0]!.data)} for ${SECRETS.email}`);
      },
    };
    const trail = createAuditTrail({ sinks: [quoting, memorySink()], onError: (e) => errors.push(e) });
    trail.record({ type: "custom", name: "note", data: { text: "hello" } });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain("[EMAIL]");
    expect(errors[0]!.message).not.toContain(SECRETS.email);
  });

  it("is on by default and off only when asked for explicitly", () => {
    const on = memorySink();
    createAuditTrail({ sinks: [on] }).record({ type: "custom", data: { t: SECRETS.email } });
    expect(on.events[0]!.data).toEqual({ t: "[EMAIL]" });
    const off = memorySink();
    createAuditTrail({ sinks: [off], redaction: false }).record({ type: "custom", data: { t: SECRETS.email } });
    expect(off.events[0]!.data).toEqual({ t: SECRETS.email });
    expect(off.events[0]!.redactions).toBeUndefined();
  });

  it("takes redaction options on the trail and rejects bad ones naming the field", () => {
    const sink = memorySink();
    createAuditTrail({ sinks: [sink], redaction: { operators: { EMAIL: "hash" }, hashKey: "0123456789abcdef0123" } }).record({ type: "custom", data: { t: SECRETS.email } });
    expect(sink.events[0]!.data.t).toMatch(/^<EMAIL:[0-9a-f]{20}>$/);
    expect(() => createAuditTrail({ sinks: [sink], redaction: { operatorz: "hash" } as never })).toThrow(/unknown option "operatorz"/);
    expect(() => createAuditTrail({ sinks: [sink], redaction: true as never })).toThrow(/redaction/);
  });
});
