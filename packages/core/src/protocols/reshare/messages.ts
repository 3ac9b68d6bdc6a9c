/**
 * Payloads of the reshare rounds (inside the engine envelope, engine/codec.ts). Fixed-length
 * fields only; every decoder ends with reader.end().
 *
 *   Round 1, broadcast (dealers j ∈ S):   old key digest (32) ‖ params digest (32) ‖ u16 count (= k')
 *                                         ‖ E_j[0] … E_j[k'−1] (Ne each)
 *   Round 1, direct j→k (k new, k ≠ j):   h_j(k) (Ns)
 *   Round 2, broadcast (every player):    confirmation hash (32)
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { equalBytes } from '../../math/bytes.js';
import type { GroupPoint, Suite } from '../../suites/index.js';
import { DIGEST_LENGTH } from '../refresh/common.js';

export { decodeShare, encodeShare, decodeConfirmation, encodeConfirmation } from '../refresh/messages.js';

export interface ReshareRound1Message {
  /** E_j[0..k'−1] (decoded, checked). */
  readonly commitment: readonly GroupPoint[];
}

export function encodeReshareRound1(oldDigest: Uint8Array, paramsDigest: Uint8Array, commitmentBytes: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().fixed(oldDigest).fixed(paramsDigest).u16(commitmentBytes.length);
  for (const c of commitmentBytes) w.fixed(c);
  return w.finish();
}

/**
 * Decode a dealer's round-1 broadcast. Checks, in order: same old key version (EPOCH_MISMATCH),
 * same run parameters (PARAMETER_MISMATCH) — both before anything is interpreted, so that a later
 * check never blames a dealer for our own wrong inputs —, D2 exactly k' points
 * (INVALID_COMMITMENT_LENGTH), structure (MALFORMED_MESSAGE), C1 every point decodes (INVALID_POINT;
 * E_j[0] = O is rejected here). The caller checks E_j[0] = λ_j·Y_j.
 */
export function decodeReshareRound1(suite: Suite, payload: Uint8Array, oldDigest: Uint8Array, paramsDigest: Uint8Array, newThreshold: number): ReshareRound1Message {
  const r = new Reader(payload);
  if (!equalBytes(r.fixed(DIGEST_LENGTH), oldDigest))
    throw new ProtocolError(ErrorCode.EPOCH_MISMATCH, 'the dealer holds a different version of the key (epoch or public key package differ)');
  if (!equalBytes(r.fixed(DIGEST_LENGTH), paramsDigest))
    throw new ProtocolError(ErrorCode.PARAMETER_MISMATCH, 'the dealer runs the reshare with different parameters (dealers, new parties or new threshold)');
  const count = r.u16();
  if (count !== newThreshold)
    throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `reshare commitment has ${count} points, expected exactly ${newThreshold} (the new threshold)`);
  const bytes: Uint8Array[] = [];
  for (let j = 0; j < count; j++) bytes.push(r.fixed(suite.pointLength));
  r.end();
  return { commitment: bytes.map((b) => suite.decodePoint(b)) };
}
