/**
 * Payloads of the refresh rounds (inside the engine envelope, engine/codec.ts). Fixed-length
 * fields only, so each payload has exactly one encoding; every decoder ends with reader.end().
 *
 *   Round 1, broadcast:  old key digest (32) ‖ u16 count (= k−1) ‖ D_i[1] … D_i[k−1] (Ne each)
 *   Round 1, direct i→ℓ: g_i(ℓ) (Ns)
 *   Round 2, broadcast:  confirmation hash (32)
 *
 * There is no field for the constant-term commitment D_i[0]: receivers use the identity O, so a
 * dealer cannot even express a non-zero constant (ZF `frost-core/src/keys/refresh.rs` does the same).
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import { equalBytes } from '../../math/bytes.js';
import type { GroupPoint, Suite } from '../../suites/index.js';
import { DIGEST_LENGTH } from './common.js';

export interface RefreshRound1Message {
  /** D_i[1..k−1] (decoded, checked; D_i[0] = O is implicit). */
  readonly commitment: readonly GroupPoint[];
}

export function encodeRefreshRound1(oldDigest: Uint8Array, commitmentBytes: readonly Uint8Array[]): Uint8Array {
  const w = new Writer().fixed(oldDigest).u16(commitmentBytes.length);
  for (const c of commitmentBytes) w.fixed(c);
  return w.finish();
}

/**
 * Decode a round-1 broadcast. Checks, in order: the sender holds the same key version
 * (EPOCH_MISMATCH), D2/D6 exactly k−1 points (INVALID_COMMITMENT_LENGTH: a longer vector would
 * raise the threshold), structure and trailing bytes (MALFORMED_MESSAGE), C1 every point decodes.
 */
export function decodeRefreshRound1(suite: Suite, payload: Uint8Array, oldDigest: Uint8Array, threshold: number): RefreshRound1Message {
  const r = new Reader(payload);
  const digest = r.fixed(DIGEST_LENGTH);
  if (!equalBytes(digest, oldDigest))
    throw new ProtocolError(ErrorCode.EPOCH_MISMATCH, 'the sender holds a different version of the key (epoch or public key package differ)');
  const count = r.u16();
  if (count !== threshold - 1)
    throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `zero-sharing commitment has ${count} points, expected exactly ${threshold - 1} (threshold unchanged)`);
  const bytes: Uint8Array[] = [];
  for (let j = 0; j < count; j++) bytes.push(r.fixed(suite.pointLength));
  r.end();
  return { commitment: bytes.map((b) => suite.decodePoint(b)) };
}

export function encodeShare(suite: Suite, share: bigint): Uint8Array {
  return new Writer().fixed(suite.encodeScalar(share)).finish();
}

/** A dealt share: B3 (< q) and C2 (≠ 0; an honest dealer produces 0 with negligible probability). SECRET. */
export function decodeShare(suite: Suite, payload: Uint8Array): bigint {
  const r = new Reader(payload);
  const b = r.fixed(suite.scalarLength);
  r.end();
  return suite.decodeNonZeroScalar(b);
}

export function encodeConfirmation(hash: Uint8Array): Uint8Array {
  return new Writer().fixed(hash).finish();
}

export function decodeConfirmation(payload: Uint8Array): Uint8Array {
  const r = new Reader(payload);
  const h = r.fixed(DIGEST_LENGTH);
  r.end();
  return h;
}
