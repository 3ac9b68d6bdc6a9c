/**
 * Payloads of the three DKG rounds (inside the engine envelope, engine/codec.ts). Fixed-length
 * fields only, so each payload has exactly one encoding; every decoder ends with reader.end().
 *
 *   Round 1, broadcast:  u16 k ‖ C_i[0] … C_i[k−1] (Ne each) ‖ R_i (Ne) ‖ μ_i (Ns) ‖ ccCommit_i (32)
 *   Round 2, direct i→ℓ: f_i(ℓ) (Ns) ‖ cc_i (32)
 *   Round 3, broadcast:  H(public output) (32)
 *
 * Ne / Ns: the suite's element / scalar length (Ed25519 32/32, SEC1 curves 33/32).
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { Reader, Writer } from '../../engine/codec.js';
import type { GroupPoint, Suite } from '../../suites/index.js';

export const CHAIN_CODE_LENGTH = 32;
export const HASH_LENGTH = 32;

export interface Round1Message {
  /** Feldman commitment C_i (decoded, checked). */
  readonly commitment: readonly GroupPoint[];
  /** The same, as received (used in hashes; never re-encoded). */
  readonly commitmentBytes: readonly Uint8Array[];
  readonly R: GroupPoint;
  readonly rBytes: Uint8Array;
  readonly mu: bigint;
  /** Hash commitment to the sender's chain-code contribution. */
  readonly ccCommit: Uint8Array;
}

export function encodeRound1(suite: Suite, commitmentBytes: readonly Uint8Array[], rBytes: Uint8Array, mu: bigint, ccCommit: Uint8Array): Uint8Array {
  const w = new Writer().u16(commitmentBytes.length);
  for (const c of commitmentBytes) w.fixed(c);
  return w.fixed(rBytes).fixed(suite.encodeScalar(mu)).fixed(ccCommit).finish();
}

/**
 * Decode a round-1 broadcast. Checks, in order: D2 (exactly k commitment points), structure and
 * trailing bytes, C1 (every element — commitment and R — decodes: canonical, on the curve, in the
 * prime-order subgroup, not the identity), B3 (μ < q). The PoK (D4) is checked by the caller.
 */
export function decodeRound1(suite: Suite, payload: Uint8Array, threshold: number): Round1Message {
  const r = new Reader(payload);
  const count = r.u16();
  // D2: a longer vector would silently raise the threshold, a shorter one lower it.
  if (count !== threshold)
    throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LENGTH, `commitment has ${count} points, expected exactly ${threshold}`);
  const commitmentBytes: Uint8Array[] = [];
  for (let j = 0; j < count; j++) commitmentBytes.push(r.fixed(suite.pointLength));
  const rBytes = r.fixed(suite.pointLength);
  const muBytes = r.fixed(suite.scalarLength);
  const ccCommit = r.fixed(HASH_LENGTH);
  r.end();
  // C1: each point decoded exactly once, here.
  const commitment = commitmentBytes.map((c) => suite.decodePoint(c));
  const R = suite.decodePoint(rBytes);
  const mu = suite.decodeScalar(muBytes); // B3
  return { commitment, commitmentBytes, R, rBytes, mu, ccCommit };
}

export function encodeRound2(suite: Suite, share: bigint, chainCode: Uint8Array): Uint8Array {
  return new Writer().fixed(suite.encodeScalar(share)).fixed(chainCode).finish();
}

export interface Round2Message {
  /** f_ℓ(i): the sender's polynomial at our identifier. SECRET. */
  readonly share: bigint;
  /** The sender's chain-code contribution cc_ℓ. */
  readonly chainCode: Uint8Array;
}

/** Decode a round-2 direct message: B3 (share < q), C2 (share ≠ 0). */
export function decodeRound2(suite: Suite, payload: Uint8Array): Round2Message {
  const r = new Reader(payload);
  const shareBytes = r.fixed(suite.scalarLength);
  const chainCode = r.fixed(CHAIN_CODE_LENGTH).slice();
  r.end();
  const share = suite.decodeNonZeroScalar(shareBytes);
  return { share, chainCode };
}

