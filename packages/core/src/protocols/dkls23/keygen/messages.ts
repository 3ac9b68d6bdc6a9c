/**
 * Payloads of `dkls23-keygen/v1` and `dkls23-ot-refresh/v1` (inside the engine envelope). Fixed
 * lengths except the embedded DKG payload, which carries a u32 length; every decoder ends with
 * reader.end(). "VSOT-X" are the base-OT messages of base-ot.ts.
 *
 *   Round 1  broadcast  keygen: DKG round-1 payload          refresh: key digest (32)
 *            direct     VSOT-A (96) ‖ zero-seed commitment (32)
 *   Round 2  direct     u32 len ‖ DKG round-2 payload (keygen) or empty (refresh) ‖ VSOT-B (8192) ‖ zero-seed contribution (32)
 *   Round 3  broadcast  keygen only: DKG round-3 payload (public-output hash, 32)
 *            direct     VSOT-C (8192)
 *   Round 4  direct     VSOT-D (8192)
 *   Round 5  direct     VSOT-E (16384)
 *   Round 6  broadcast  confirmation hash (32)
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import { Reader, Writer } from '../../../engine/codec.js';
import { equalBytes } from '../../../math/bytes.js';
import { VSOT_MSG_A_BYTES, VSOT_MSG_B_BYTES } from '../base-ot.js';
import { TAG } from '../params.js';
import { u16, type DklsPrimitives } from '../primitives.js';

export const HASH_BYTES = 32;

export function encodeRound1Direct(vsotA: Uint8Array, zeroCommit: Uint8Array): Uint8Array {
  return new Writer().fixed(vsotA).fixed(zeroCommit).finish();
}

export function decodeRound1Direct(payload: Uint8Array): { vsotA: Uint8Array; zeroCommit: Uint8Array } {
  const r = new Reader(payload);
  const vsotA = r.fixed(VSOT_MSG_A_BYTES);
  const zeroCommit = r.fixed(HASH_BYTES).slice();
  r.end();
  return { vsotA, zeroCommit };
}

export function encodeRound2Direct(dkg: Uint8Array, vsotB: Uint8Array, zeroContrib: Uint8Array): Uint8Array {
  return new Writer().bytes(dkg).fixed(vsotB).fixed(zeroContrib).finish();
}

export function decodeRound2Direct(payload: Uint8Array): { dkg: Uint8Array; vsotB: Uint8Array; zeroContrib: Uint8Array } {
  const r = new Reader(payload);
  const dkg = r.bytes(4096);
  const vsotB = r.fixed(VSOT_MSG_B_BYTES);
  const zeroContrib = r.fixed(32).slice();
  r.end();
  return { dkg, vsotB, zeroContrib };
}

export function decodeHash(payload: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const h = r.fixed(HASH_BYTES);
  r.end();
  return h;
}

/** Commitment to a zero-seed contribution: H(tag, setupId, from, to, contribution). */
export function zeroSeedCommitment(prims: DklsPrimitives, setupId: Uint8Array, from: PartyId, to: PartyId, contrib: Uint8Array): Uint8Array {
  return prims.hash(TAG.zeroCommit, setupId, u16(from), u16(to), contrib);
}

export function checkZeroSeedReveal(prims: DklsPrimitives, setupId: Uint8Array, from: PartyId, to: PartyId, contrib: Uint8Array, commitment: Uint8Array): void {
  if (!equalBytes(zeroSeedCommitment(prims, setupId, from, to, contrib), commitment))
    throw new ProtocolError(ErrorCode.DKLS_COMMITMENT_MISMATCH, `zero-share seed of party ${from} does not match its commitment`);
}

/** The pair's zero-share seed from both contributions (ordered by party id). SECRET. */
export function zeroSeed(prims: DklsPrimitives, setupId: Uint8Array, a: PartyId, ca: Uint8Array, b: PartyId, cb: Uint8Array): Uint8Array {
  const [lo, clo, hi, chi] = a < b ? [a, ca, b, cb] : [b, cb, a, ca];
  return prims.hash(TAG.zeroSeed, setupId, u16(lo), u16(hi), clo, chi);
}
