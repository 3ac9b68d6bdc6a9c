/**
 * Round two of FROST and aggregation: signature shares (RFC 9591 §5.2), share verification
 * (§5.4) and aggregation (§5.3), on a {@link SigningPackage}.
 *
 * Aggregation verifies every received share individually (checklist G3) and names every
 * culprit; it does not use "verify the aggregate first": a set of bad shares whose errors cancel
 * (two colluding signers) gives a valid aggregate but still comes from misbehaving signers, and
 * RFC 9591 §5.4 identification should name them. With the commitment shares R_j of the package
 * the per-share check is cheap (one base-point multiplication and one multiplication by a
 * precomputed Y_j). The final signature is then verified with the suite's verifier
 * (`suite.verify`, noble code independent of this fast path) before it is returned (F1).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { equalBytes } from '../../math/bytes.js';
import type { KeyShare } from '../key-share.js';
import { consumeNonces, type SigningNonces } from './nonces.js';
import { signingKey, signingSecret } from './signing-key.js';
import type { SigningPackage } from './signing-package.js';

/**
 * RFC 9591 §5.2 sign: z_i = d_i + e_i·ρ_i + λ_i·s_i·c (Taproot: ±d_i, ±e_i by the parity of R
 * and the even-y normalised s_i, like noble `schnorr_FROST`). Consumes `nonces` before anything
 * else, so a second call with the same nonces throws NONCE_ALREADY_USED even if this one fails.
 * Returns SerializeScalar(z_i).
 */
export function signShare(share: KeyShare, nonces: SigningNonces, pkg: SigningPackage): Uint8Array {
  const { d, e } = consumeNonces(nonces);
  const key = pkg.key;
  if (share.self !== nonces.commitment.id) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'nonces were made for another party');
  if (key !== signingKey(share) && !equalBytes(key.packageDigest, signingKey(share).packageDigest))
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'the signing package is for another key');
  const mine = pkg.commitments.find((c) => c.id === share.self);
  if (mine === undefined) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'the commitment list does not contain our commitment');
  if (!nonces.matches(mine)) throw new ProtocolError(ErrorCode.INVALID_COMMITMENT_LIST, 'the commitment list alters our commitment');
  const Fn = key.cs.suite.Fn;
  const s = signingSecret(key, share);
  const rho = pkg.bindingFactors.get(share.self)!;
  const lambda = pkg.lambda(share.self);
  let k = Fn.add(d, Fn.mul(e, rho));
  if (pkg.negateNonces) k = Fn.neg(k);
  const z = Fn.add(k, Fn.mul(Fn.mul(lambda, s), pkg.challenge));
  return key.cs.suite.encodeScalar(z);
}

/**
 * RFC 9591 §5.4 verify_signature_share: z_j·G == R_j + (c·λ_j)·Y_j (Taproot: −R_j when R has odd
 * y). All inputs are public, so variable-time arithmetic is used.
 */
export function verifyShare(pkg: SigningPackage, id: PartyId, z: bigint): boolean {
  const Rj = pkg.commitmentShares.get(id);
  if (Rj === undefined) return false;
  const key = pkg.key;
  const suite = key.cs.suite;
  const Y = key.verifyingShare(id);
  const lhs = suite.G.multiplyUnsafe(z);
  const rhs = (pkg.negateNonces ? Rj.negate() : Rj).add(Y.multiplyUnsafe(suite.Fn.mul(pkg.challenge, pkg.lambda(id))));
  return lhs.equals(rhs);
}

export interface AggregateOptions {
  /**
   * A signer whose share the caller computed itself (its own): not re-verified unless the final
   * signature fails, in which case it is checked too and blamed if wrong.
   */
  readonly self?: PartyId;
}

/**
 * RFC 9591 §5.3 aggregate, with every share verified (§5.4, checklist G3) and the result
 * verified under the group key (F1).
 *
 * Throws INVALID_PARAMETERS when shares are missing or extra, INVALID_SCALAR (culprit named) for
 * an encoding ≥ q, INVALID_SIGNATURE_SHARE naming every signer whose share fails, and
 * INVALID_SIGNATURE if the final signature does not verify.
 */
export function aggregate(pkg: SigningPackage, shares: ReadonlyMap<PartyId, Uint8Array>, opts: AggregateOptions = {}): Uint8Array {
  const suite = pkg.key.cs.suite;
  const Fn = suite.Fn;
  if (shares.size !== pkg.signers.length || pkg.signers.some((id) => !shares.has(id)))
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'need exactly one signature share per signer');
  const zs = new Map<PartyId, bigint>();
  for (const id of pkg.signers) {
    try {
      zs.set(id, suite.decodeScalar(shares.get(id)!));
    } catch (e) {
      if (e instanceof ProtocolError) throw new ProtocolError(e.code, e.message, [id]);
      throw e;
    }
  }
  const culprits = pkg.signers.filter((id) => id !== opts.self && !verifyShare(pkg, id, zs.get(id)!));
  if (culprits.length > 0) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE_SHARE, `invalid signature share from party ${culprits.join(', ')}`, culprits);
  let z = Fn.ZERO;
  for (const id of pkg.signers) z = Fn.add(z, zs.get(id)!);
  const signature = pkg.key.cs.encodeSignature(pkg.groupCommitmentBytes, z);
  if (!suite.verify(signature, pkg.message, pkg.key.publicKey)) {
    // Every received share verified, so only our own share can be wrong (a local fault).
    if (opts.self !== undefined && !verifyShare(pkg, opts.self, zs.get(opts.self)!))
      throw new ProtocolError(ErrorCode.INVALID_SIGNATURE_SHARE, 'our own signature share is invalid', [opts.self]);
    throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'the aggregated signature does not verify');
  }
  return signature;
}
