/**
 * Payloads of `dkls23-sign/v1` (inside the engine envelope; fixed lengths, reader.end() always).
 * Ne = 33 (compressed SEC1 point), Ns = 32.
 *
 *   Round 1  broadcast  context hash (32) ‖ com_i (32)                                       64 B
 *            direct     OT-extension message, i as receiver (ot-extension.ts)          24 592 B
 *   Round 2  broadcast  R_i (Ne) ‖ salt_i (32) ‖ pk_i (Ne)                                  98 B
 *            direct     Γ^u_ij (Ne) ‖ Γ^v_ij (Ne) ‖ ψ_ij (Ns) ‖ RVOLE payload (rvole.ts) 49 314 B
 *   Round 3  broadcast  u_i (Ns) ‖ w_i (Ns)                                                 64 B
 * com_i = H("…/nonce-commit", context hash, u16 i, R_i, salt_i) binds the committer's index
 * (dkls23.md §B.10). Points are decoded strictly (C1), scalars checked < q (B3).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import { Reader, Writer } from '../../../engine/codec.js';
import { equalBytes } from '../../../math/bytes.js';
import type { GroupPoint, Suite } from '../../../suites/index.js';
import { OTE_MESSAGE_BYTES } from '../ot-extension.js';
import { TAG } from '../params.js';
import { RVOLE_PAYLOAD_BYTES } from '../rvole.js';
import { u16, type DklsPrimitives } from '../primitives.js';

export function nonceCommitment(prims: DklsPrimitives, contextHash: Uint8Array, i: PartyId, R: Uint8Array, salt: Uint8Array): Uint8Array {
  return prims.hash(TAG.commit, contextHash, u16(i), R, salt);
}

export function encodeR1Broadcast(contextHash: Uint8Array, com: Uint8Array): Uint8Array {
  return new Writer().fixed(contextHash).fixed(com).finish();
}

export function decodeR1Broadcast(payload: Uint8Array, contextHash: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const ctx = r.fixed(32);
  const com = r.fixed(32).slice();
  r.end();
  if (!equalBytes(ctx, contextHash))
    throw new ProtocolError(ErrorCode.DKLS_CONTEXT_MISMATCH, 'signing context differs (key, signer set, message, tweak or session)');
  return com;
}

export function decodeR1Direct(payload: Uint8Array): Uint8Array {
  if (payload.length !== OTE_MESSAGE_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'OT-extension message has the wrong length');
  return payload;
}

export function encodeR2Broadcast(R: Uint8Array, salt: Uint8Array, pk: Uint8Array): Uint8Array {
  return new Writer().fixed(R).fixed(salt).fixed(pk).finish();
}

export interface R2Broadcast {
  readonly R: GroupPoint;
  readonly Rbytes: Uint8Array;
  readonly salt: Uint8Array;
  readonly pk: GroupPoint;
}

export function decodeR2Broadcast(suite: Suite, payload: Uint8Array): R2Broadcast {
  const r = new Reader(payload);
  const Rbytes = r.fixed(suite.pointLength).slice();
  const salt = r.fixed(32).slice();
  const pkBytes = r.fixed(suite.pointLength);
  r.end();
  return { R: suite.decodePoint(Rbytes), Rbytes, salt, pk: suite.decodePoint(pkBytes) };
}

export function encodeR2Direct(gu: Uint8Array, gv: Uint8Array, psi: Uint8Array, rvole: Uint8Array): Uint8Array {
  return new Writer().fixed(gu).fixed(gv).fixed(psi).fixed(rvole).finish();
}

export interface R2Direct {
  readonly gammaU: GroupPoint;
  readonly gammaV: GroupPoint;
  readonly psi: bigint;
  readonly rvole: Uint8Array;
}

export function decodeR2Direct(suite: Suite, payload: Uint8Array): R2Direct {
  const r = new Reader(payload);
  const gu = r.fixed(suite.pointLength);
  const gv = r.fixed(suite.pointLength);
  const psi = r.fixed(suite.scalarLength);
  const rvole = r.fixed(RVOLE_PAYLOAD_BYTES);
  r.end();
  return { gammaU: suite.decodePoint(gu), gammaV: suite.decodePoint(gv), psi: suite.decodeScalar(psi), rvole };
}

export function encodeR3Broadcast(suite: Suite, u: bigint, w: bigint): Uint8Array {
  return new Writer().fixed(suite.encodeScalar(u)).fixed(suite.encodeScalar(w)).finish();
}

export function decodeR3Broadcast(suite: Suite, payload: Uint8Array): { u: bigint; w: bigint } {
  const r = new Reader(payload);
  const u = suite.decodeScalar(r.fixed(suite.scalarLength));
  const w = suite.decodeScalar(r.fixed(suite.scalarLength));
  r.end();
  return { u, w };
}
