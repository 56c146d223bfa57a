// C2SP signed notes, against the spec's own example (c2sp.org/signed-note) and by trying to break them.
import { describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { openNote, parseVerifierKey, signNote, verifierKey } from "../../src/integrity/signed-note.js";

// From the spec (c2sp.org/signed-note@v1.0.0), as recorded in the shared reference notes.
const SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const SPEC_NOTE = "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

describe("C2SP signed notes", () => {
  it("opens the spec's example with the spec's verifier key", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(key.id.toString("hex")).toBe("530d903a");
    expect(openNote(SPEC_NOTE, [key])).toEqual({ text: "This is an example message.\n", verifiedBy: ["example.com/foo"] });
  });

  it("signs notes that open, with a verifier key that round-trips", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const note = signNote("agent-audit/chain-1\n42\nq83+kK7x2h3r6RjRkzXnSHbtNQyGRmIZAg9fPOGeKSQ=\n", "agent-audit/chain-1", privateKey);
    const vkey = verifierKey("agent-audit/chain-1", publicKey);
    expect(openNote(note, [parseVerifierKey(vkey)]).verifiedBy).toEqual(["agent-audit/chain-1"]);
  });

  it("refuses an edited text, a note no known key signed, and a known key's failing signature", () => {
    const key = parseVerifierKey(SPEC_VKEY);
    expect(() => openNote(SPEC_NOTE.replace("example message", "exemple message"), [key])).toThrow(/does not verify/);
    const other = generateKeyPairSync("ed25519");
    expect(() => openNote(SPEC_NOTE, [{ name: "example.com/bar", publicKey: other.publicKey }])).toThrow(/no known key/);
    // An unknown cosigner's line is ignored; the known one still counts.
    const cosigned = SPEC_NOTE + "\u2014 witness.example/w1 AAAAAAAA\n";
    expect(openNote(cosigned, [key]).verifiedBy).toEqual(["example.com/foo"]);
  });
});
