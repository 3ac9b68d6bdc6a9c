/**
 * Schnorr proof of knowledge of a_i0 (FROST paper, Komlo–Goldberg 2020, Fig. 1 KeyGen round 1
 * step 2; protocols.md §4.1; ZF `frost-core/src/keys/dkg.rs` wire conventions):
 *   k ← random, R_i = k·G
 *   c_i = HDKG(context ‖ SerializeScalar(i) ‖ SerializeElement(C_i[0]) ‖ SerializeElement(R_i))
 *   μ_i = k + a_i0·c_i
 * HDKG is the suite's hash-to-scalar with tag "dkg". With an empty context this is exactly the
 * ZF / noble construction.
 */
import type { PartyId } from '../../errors.js';
import { concatBytes } from '../../math/bytes.js';
import type { GroupPoint, Suite } from '../../suites/index.js';

export interface ProofOfKnowledge {
  readonly R: GroupPoint;
  readonly mu: bigint;
}

/** c = HDKG(context ‖ SerializeScalar(id) ‖ C0 ‖ R), on the encoded elements. */
export function pokChallenge(suite: Suite, context: Uint8Array, id: PartyId, c0: Uint8Array, r: Uint8Array): bigint {
  return suite.hashToScalar(concatBytes(context, suite.encodeScalar(BigInt(id)), c0, r), 'dkg');
}

/**
 * Prove knowledge of `a0` with C0 = a0·G. `nonce` is only for reproducing test vectors; it must
 * otherwise be left to the CSPRNG (a repeated nonce reveals a0).
 */
export function provePok(suite: Suite, context: Uint8Array, id: PartyId, a0: bigint, c0: Uint8Array, nonce: bigint = suite.randomScalar()): ProofOfKnowledge {
  const R = suite.G.multiply(nonce);
  const c = pokChallenge(suite, context, id, c0, suite.encodePoint(R));
  return { R, mu: suite.Fn.add(nonce, suite.Fn.mul(a0, c)) };
}

/** Check μ·G − c·C0 = R (all values public: variable-time arithmetic). */
export function verifyPok(suite: Suite, context: Uint8Array, id: PartyId, C0: GroupPoint, c0: Uint8Array, R: GroupPoint, r: Uint8Array, mu: bigint): boolean {
  const c = pokChallenge(suite, context, id, c0, r);
  return suite.G.multiplyUnsafe(mu).subtract(C0.multiplyUnsafe(c)).equals(R);
}
