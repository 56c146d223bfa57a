/**
 * Starting the integrity side of a trail that writes files: the signing key (and the local key
 * store's trust in it), the witnesses signed checkpoints go to, an optional ML-DSA-44 co-signature,
 * one checkpointer per directory, and the checkpoints of dead writers' chains that ended past
 * their last one. Failures of the user's configuration throw a config error; failures of the disk
 * are reported and the trail starts anyway.
 */
import type { KeyObject } from "node:crypto";
import { Checkpointer, checkpointOrigin } from "../integrity/checkpoints.js";
import { loadOrCreateSigningKey } from "../integrity/keys.js";
import { addMlDsaSignature, loadOrCreateMlDsaKey, publishMlDsaPublicKey } from "../integrity/ml-dsa.js";
import { sealDeadChains } from "../integrity/recovery.js";
import type { Sealer } from "../integrity/seal.js";
import { trustKey } from "../integrity/trust.js";
import { failConfig } from "../shared/config.js";
import { describeError } from "../shared/errors.js";
import { parseWitnessVerifierKey } from "../witness/cosignature.js";
import { httpWitness } from "../witness/http-witness.js";
import { WitnessSet } from "../witness/witnesses.js";
import type { z } from "zod";
import type { trailOptionsSchema } from "./options.js";

/** `integrity` as `createAuditTrail` takes it, once validated (an object; `false` never gets here). */
export type IntegrityOptions = Exclude<NonNullable<z.infer<typeof trailOptionsSchema>["integrity"]>, false>;

export interface IntegrityContext {
  chainId: string;
  trailDir: string;
  /** Every directory the trail writes files into. */
  fileDirs: readonly string[];
  sealer: Sealer;
  /** The chain's head as of now: what a checkpoint signs. */
  head: () => { seq: number; hash: string; root?: string };
  /** May `dir`'s checkpointer sign now? Only what is on disk, never events still in memory. */
  canWrite: (dir: string) => boolean;
  reportError: (error: Error, kind: string) => void;
}

export interface TrailIntegrity {
  signingKey: KeyObject;
  witnesses: WitnessSet;
  /** One per directory, in `fileDirs` order. */
  checkpointers: Checkpointer[];
}

export function startIntegrity(options: IntegrityOptions, ctx: IntegrityContext): TrailIntegrity {
  let signingKey: KeyObject;
  try {
    signingKey = loadOrCreateSigningKey({ signingKey: options.signingKey, keyFile: options.keyFile, trailDir: ctx.trailDir });
  } catch (err) {
    failConfig(`createAuditTrail: ${(err as Error).message}.`);
  }
  let witnesses: WitnessSet;
  try {
    const specs = options.witness === undefined ? [] : ([] as string[]).concat(options.witness);
    witnesses = new WitnessSet(specs, {
      trailDirs: ctx.fileDirs,
      objectLock: options.witnessObjectLock,
      http: (url) => httpWitness(url, { trailDir: ctx.trailDir, witnessKey: options.witnessKey ? parseWitnessVerifierKey(options.witnessKey) : undefined }),
      onError: (err) => ctx.reportError(err, "witness"),
    });
  } catch (err) {
    failConfig(`createAuditTrail: ${(err as Error).message}.`);
  }
  try {
    // This machine signs with the key, so verify here trusts it (a trail's own copy never counts).
    trustKey(signingKey);
  } catch (err) {
    ctx.reportError(new Error(`cannot add the signing key to the local key store: ${describeError(err)}`), "key-store");
  }
  const signNote = postQuantumSigner(options.postQuantum, ctx);
  const every = options.checkpointEvery ?? 1000;
  const intervalMs = options.checkpointIntervalMs ?? 60_000;
  const checkpointers = ctx.fileDirs.map(
    (dir) =>
      new Checkpointer(dir, ctx.chainId, signingKey, every, intervalMs, ctx.head, (err) => ctx.reportError(new Error(`cannot write a checkpoint in ${dir}: ${describeError(err)}`), "checkpoint"), {
        // A checkpoint signs only what is on disk: never events still held in memory or given up,
        // nor past a gap whose trail.gap record is not written yet.
        canWrite: () => ctx.canWrite(dir),
        onSigned: (cp) => witnesses.signed(cp),
        window: ctx.sealer.openWindow(),
        signNote,
      }),
  );
  return { signingKey, witnesses, checkpointers };
}

/**
 * Dead writers' chains that end past their last checkpoint (killed before sealing): signs what is
 * there now, so verify can tell them from chains whose checkpoints were removed. Returns the chains.
 */
export function sealDeadWriters(integrity: TrailIntegrity, options: IntegrityOptions, ctx: IntegrityContext): string[] {
  const sealed: string[] = [];
  for (const dir of ctx.fileDirs) {
    try {
      sealed.push(
        ...sealDeadChains(dir, ctx.chainId, integrity.signingKey, {
          every: options.checkpointEvery ?? 1000,
          intervalMs: options.checkpointIntervalMs ?? 60_000,
          onSigned: (cp) => integrity.witnesses.signed(cp),
        }),
      );
    } catch (err) {
      ctx.reportError(new Error(`cannot seal dead writers' chains in ${dir}: ${describeError(err)}`), "recovery");
    }
  }
  return sealed;
}

/** The ML-DSA-44 note signer of `integrity.postQuantum`, its public key published beside the digests. */
function postQuantumSigner(option: IntegrityOptions["postQuantum"], ctx: IntegrityContext): ((note: string, size: number, root: string) => string) | undefined {
  if (!option) return undefined;
  let key;
  try {
    key = loadOrCreateMlDsaKey(option === true ? undefined : option.keyFile);
  } catch (err) {
    failConfig(`createAuditTrail: integrity.postQuantum: ${(err as Error).message}. Fix: give a readable seed file, or remove the option.`);
  }
  for (const dir of ctx.fileDirs) {
    try {
      publishMlDsaPublicKey(dir, key.publicKey);
    } catch (err) {
      ctx.reportError(new Error(`cannot publish the ML-DSA-44 public key in ${dir}: ${describeError(err)}`), "checkpoint");
    }
  }
  const origin = checkpointOrigin(ctx.chainId);
  return (note, size, root) => addMlDsaSignature(note, origin, size, root, key);
}
