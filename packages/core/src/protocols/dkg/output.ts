/**
 * Finalisation of the DKG (FROST paper KeyGen round 2 steps 3–4; protocols.md §4.1 "Finalize",
 * §4.2, §1.10) and the values every party must agree on (checklist D5).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { equalBytes, utf8ToBytes } from '../../math/bytes.js';
import { evalCommitment } from '../../math/polynomial.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import type { GroupPoint, Suite } from '../../suites/index.js';
import type { KeyShare } from '../key-share.js';
import { encodeParties } from './params.js';

/** Hash commitment to a chain-code contribution: H("…/chain-code-commit", sid, u32(i), cc_i). */
export function chainCodeCommitment(sessionId: Uint8Array, id: PartyId, cc: Uint8Array): Uint8Array {
  return transcriptHash('opentsm/dkg/v1/chain-code-commit', sessionId, u32be(id), cc);
}

export function checkChainCodeReveal(sessionId: Uint8Array, id: PartyId, cc: Uint8Array, commitment: Uint8Array): void {
  if (!equalBytes(chainCodeCommitment(sessionId, id, cc), commitment))
    throw new ProtocolError(ErrorCode.INVALID_CHAIN_CODE_REVEAL, `chain-code reveal of party ${id} does not match its round-1 commitment`);
}

/** The joint chain code: H("…/chain-code", cc_1, …, cc_n) over the contributions in party order. */
export function jointChainCode(contributions: readonly Uint8Array[]): Uint8Array {
  return transcriptHash('opentsm/dkg/v1/chain-code', ...contributions);
}

/** A[j] = Σ_ℓ C_ℓ[j]: the commitment to the joint polynomial f = Σ_ℓ f_ℓ. */
export function aggregateCommitments(suite: Suite, commitments: readonly (readonly GroupPoint[])[], threshold: number): GroupPoint[] {
  const A: GroupPoint[] = [];
  for (let j = 0; j < threshold; j++) {
    let acc = suite.ZERO;
    for (const C of commitments) acc = acc.add(C[j]!);
    A.push(acc);
  }
  return A;
}

export interface KeyOutput {
  /** s_i. SECRET. */
  readonly secretShare: bigint;
  readonly groupKey: GroupPoint;
  /** Y_j for every party j. */
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
  /**
   * Set when the suite adjusted the key (Taproot): the key before the adjustment, Σ_ℓ C_ℓ[0] with
   * its real parity — the BIP341 internal key BIP32 derivation starts from (protocols.md §5.3).
   */
  readonly internalKey?: GroupPoint;
}

function checkOutput(suite: Suite, self: PartyId, out: KeyOutput): void {
  // protocols.md §4.2 / C2: reject PK = O, any Y_j = O, s_i = 0; check s_i·G = Y_i.
  if (out.groupKey.is0()) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'group key is the identity');
  for (const [j, Y] of out.verifyingShares) if (Y.is0()) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, `verifying share of party ${j} is the identity`);
  if (out.secretShare === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'signing share is zero');
  // Constant-time multiplication: s_i is secret.
  if (!suite.G.multiply(out.secretShare).equals(out.verifyingShares.get(self)!))
    throw new ProtocolError(ErrorCode.INVALID_SHARE, 'signing share does not match the verifying share');
}

/**
 * Combine the verified contributions:
 *   s_i = Σ_ℓ f_ℓ(i),  PK = Σ_ℓ C_ℓ[0],  Y_j = Σ_ℓ Σ_m j^m·C_ℓ[m] = Σ_m j^m·A[m]  (every j)
 * then apply the suite's DKG adjustment (Taproot: even-y normalisation and the BIP341
 * empty-merkle-root TapTweak t, as ZF frost-secp256k1-tr and noble do):
 *   if negate: s_i ← −s_i, Y_j ← −Y_j, PK ← −PK;  then s_i += t, Y_j += t·G, PK += t·G.
 * The checks of {@link checkOutput} run before and after the adjustment.
 */
export function computeKeyOutput(
  suite: Suite,
  self: PartyId,
  parties: readonly PartyId[],
  threshold: number,
  commitments: readonly (readonly GroupPoint[])[],
  receivedShares: readonly bigint[],
): KeyOutput {
  const Fn = suite.Fn;
  let s = 0n;
  for (const f of receivedShares) s = Fn.add(s, f);
  const A = aggregateCommitments(suite, commitments, threshold);
  const Y = new Map<PartyId, GroupPoint>();
  // Public scalars (small identifiers): evalCommitment uses variable-time multiplication.
  for (const j of parties) Y.set(j, evalCommitment(suite, A, BigInt(j)));
  let out: KeyOutput = { secretShare: s, groupKey: A[0]!, verifyingShares: Y };
  checkOutput(suite, self, out);

  const { negate, tweak } = suite.adjustDkgKey(out.groupKey);
  if (negate || tweak !== 0n) {
    const T = tweak === 0n ? suite.ZERO : suite.G.multiplyUnsafe(tweak); // t is public
    const adj = (P: GroupPoint): GroupPoint => (negate ? P.negate() : P).add(T);
    const Y2 = new Map<PartyId, GroupPoint>();
    for (const [j, P] of Y) Y2.set(j, adj(P));
    out = { secretShare: Fn.add(negate ? Fn.neg(s) : s, tweak), groupKey: adj(out.groupKey), verifyingShares: Y2, internalKey: out.groupKey };
    checkOutput(suite, self, out);
  }
  return out;
}

/** Build the KeyShare (encodings of the output). */
export function toKeyShare(suite: Suite, self: PartyId, parties: readonly PartyId[], threshold: number, out: KeyOutput, chainCode: Uint8Array): KeyShare {
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const j of parties) verifyingShares[j] = suite.encodePoint(out.verifyingShares.get(j)!);
  return {
    scheme: suite.name,
    threshold,
    parties: [...parties],
    self,
    secretShare: suite.encodeScalar(out.secretShare),
    groupKey: suite.encodePoint(out.groupKey),
    publicKey: suite.encodePublicKey(out.groupKey),
    verifyingShares,
    chainCode,
    ...(out.internalKey !== undefined && suite.name === 'frost-secp256k1-tr' ? { taprootInternalKey: suite.encodePoint(out.internalKey) } : {}),
  };
}

/**
 * Hash of the complete public output, confirmed by every party in round 3 (checklist D5):
 * H("opentsm/dkg/v1/public-output", sid, scheme, u32(k), parties, groupKey, publicKey,
 *   Y_{p_1}, …, Y_{p_n}, chainCode [, taprootInternalKey]), every field length-prefixed (B1); the
 * Taproot internal key is appended only when the key has one (the hash of other keys is unchanged).
 */
export function publicOutputHash(sessionId: Uint8Array, key: KeyShare): Uint8Array {
  return transcriptHash(
    'opentsm/dkg/v1/public-output',
    sessionId,
    utf8ToBytes(key.scheme),
    u32be(key.threshold),
    encodeParties(key.parties),
    key.groupKey,
    key.publicKey,
    ...key.parties.map((j) => key.verifyingShares[j]!),
    key.chainCode,
    ...(key.taprootInternalKey !== undefined ? [key.taprootInternalKey] : []),
  );
}
