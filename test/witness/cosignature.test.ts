// C2SP tlog-cosignature v1 (Ed25519, type 0x04): against real witnesses' cosignatures and the spec's
// own example, then by trying to break ours.
import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import {
  cosign,
  cosignatureKeyId,
  cosignedMessage,
  parseCosignatureLine,
  parseWitnessVerifierKey,
  verifyCosignature,
  witnessVerifierKey,
} from "../../src/witness/cosignature.js";
import { noteKeyId } from "../../src/integrity/signed-note.js";

// A checkpoint of the CT log arche2025h1.staging.ct.transparency.dev as cosigned by public witnesses,
// with the published vkey of the witness remora.n621.de (found in a public Python implementation's
// tests; checked there with another implementation's verifier).
const REAL_BODY = "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n";
const REAL_NOTE =
  REAL_BODY +
  "\n" +
  "\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=\n" +
  "\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==\n";
const REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";
const REMORA_LINE = "\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==";

// c2sp.org/tlog-cosignature's example line (no key is published for it: its framing is checked).
const SPEC_LINE = "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";

describe("cosignature v1 against published ones", () => {
  it("verifies a real witness's cosignature with its published verifier key", () => {
    const witness = parseWitnessVerifierKey(REMORA_VKEY);
    expect(witness.id.toString("hex")).toBe("da77ade7");
    expect(cosignatureKeyId(witness.name, witness.publicKey).toString("hex")).toBe("da77ade7");
    expect(verifyCosignature(REAL_NOTE, REMORA_LINE, witness)).toEqual({ ok: true, time: 1779573024 });
    expect(verifyCosignature(REAL_BODY, `${REMORA_LINE}\n`, witness)).toEqual({ ok: true, time: 1779573024 });
    // The same signature over another size does not verify.
    expect(verifyCosignature(REAL_BODY.replace("1432088532", "1432088533"), REMORA_LINE, witness)).toMatchObject({ ok: false, reason: "signature does not verify" });
  });

  it("reads the spec's example: key ID, the time its signed-message example shows", () => {
    const parsed = parseCosignatureLine(SPEC_LINE)!;
    expect(parsed.name).toBe("witness.example.com/w1");
    expect(parsed.keyId.toString("hex")).toBe("8d66cf3f");
    expect(parsed.time).toBe(1679315147n);
    expect(parsed.signature).toHaveLength(64);
    // The spec's signed-message example, byte for byte.
    expect(cosignedMessage("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", 1679315147).toString()).toBe(
      "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    );
  });

  it("reads transparency-dev/formats' timestamp vector and refuses its plain (0x01) signature", () => {
    expect(parseCosignatureLine("\u2014 w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==")?.time).toBe(1727964367n);
    expect(parseCosignatureLine("\u2014 w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=")).toBeUndefined();
    expect(parseCosignatureLine("\u2014 w 5%/$!\n 2")).toBeUndefined();
  });

  it("refuses verifier keys of another type, with a wrong id, or malformed", () => {
    // A 0x01 (plain Ed25519 note) key is a log key, not a witness key.
    expect(() => parseWitnessVerifierKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).toThrow(/type 0x04/);
    expect(() => parseWitnessVerifierKey(REMORA_VKEY.replace("da77ade7", "da77ade8"))).toThrow(/does not match/);
    expect(() => parseWitnessVerifierKey("remora.n621.de+da77ade7")).toThrow(/looks like/);
    expect(() => parseWitnessVerifierKey("+da77ade7+BOvN")).toThrow(/looks like/);
  });
});

describe("cosignature v1: ours", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const name = "witness.example/agent-audit";
  const body = "agent-audit-trail/0190c0de-0000-7000-8000-000000000001\n42\nq83+kK7x2h3r6RjRkzXnSHbtNQyGRmIZAg9fPOGeKSQ=\n";
  const witness = { name, publicKey };

  it("round-trips through its own verifier key text", () => {
    const line = cosign(body, name, privateKey, 1_700_000_000);
    expect(line).toMatch(/^\u2014 witness\.example\/agent-audit [A-Za-z0-9+/]{102}==\n$/);
    const vkey = witnessVerifierKey(name, publicKey);
    expect(vkey).toMatch(/^witness\.example\/agent-audit\+[0-9a-f]{8}\+B[A-P]/); // base64 of 0x04 ‖ key starts "B", then A–P
    expect(verifyCosignature(`${body}\n\u2014 log sig\n${line}`, line, parseWitnessVerifierKey(vkey))).toEqual({ ok: true, time: 1_700_000_000 });
    // The cosignature key ID is not the plain note key ID of the same key and name.
    expect(cosignatureKeyId(name, publicKey).equals(noteKeyId(name, publicKey))).toBe(false);
  });

  it("fails for another name, another time, a flipped byte, a 0x01 key ID, another key, another body", () => {
    const line = cosign(body, name, privateKey, 1_700_000_000);
    expect(verifyCosignature(body, line, { name: "witness.example/other", publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/not witness\.example\/other/) });
    const renamed = line.replace(name, "witness.example/other");
    expect(verifyCosignature(body, renamed, { name: "witness.example/other", publicKey })).toMatchObject({ ok: false, reason: expect.stringMatching(/key ID/) });

    const raw = Buffer.from(line.trim().split(" ")[2]!, "base64");
    const withRaw = (b: Buffer) => `\u2014 ${name} ${b.toString("base64")}\n`;
    const retimed = Buffer.from(raw);
    retimed.writeBigUInt64BE(1_700_000_001n, 4);
    expect(verifyCosignature(body, withRaw(retimed), witness)).toMatchObject({ ok: false, reason: "signature does not verify" });
    for (const at of [12, 40, 75]) {
      const flipped = Buffer.from(raw);
      flipped[at]! ^= 0x01;
      expect(verifyCosignature(body, withRaw(flipped), witness)).toMatchObject({ ok: false, reason: "signature does not verify" });
    }
    // Signed with the right key but framed with the 0x01 key ID: another signature type.
    const typed01 = Buffer.concat([noteKeyId(name, publicKey), raw.subarray(4)]);
    expect(verifyCosignature(body, withRaw(typed01), witness)).toMatchObject({ ok: false, reason: expect.stringMatching(/key ID/) });
    expect(verifyCosignature(body, line, { name, publicKey: generateKeyPairSync("ed25519").publicKey })).toMatchObject({ ok: false });
    expect(verifyCosignature(body.replace("42", "43"), line, witness)).toMatchObject({ ok: false, reason: "signature does not verify" });
    // Extension lines are signed too.
    expect(verifyCosignature(`${body}ext\n`, line, witness)).toMatchObject({ ok: false });
    expect(verifyCosignature(body, line.slice(0, 40), witness)).toMatchObject({ ok: false, reason: "not a cosignature v1 line" });
  });

  it("refuses to cosign without a time, with a public key, or a body that is not one", () => {
    expect(() => cosign(body, name, privateKey, 0)).toThrow(/positive/);
    expect(() => cosign(body, name, privateKey, 1.5)).toThrow(/positive/);
    expect(() => cosign(body, name, publicKey, 1)).toThrow(/private/);
    expect(() => cosign(body.slice(0, -1), name, privateKey, 1)).toThrow(/newline/);
    expect(() => cosign(`${body}\n`, name, privateKey, 1)).toThrow(/newline/);
    expect(() => cosign(body, "has space", privateKey, 1)).toThrow(/no spaces/);
    expect(() => cosign(body, "a+b", privateKey, 1)).toThrow(/no spaces/);
  });
});
