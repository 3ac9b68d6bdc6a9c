/**
 * Reshare round 1 (protocols.md §4.4 exactly; the redistribution of Desmedt–Jajodia, "Redistributing
 * secret shares to new access structures and its applications", 1997, with the Feldman checks of
 * Wong–Wang–Wing, "Verifiable secret redistribution for archive systems", IEEE SISW 2002).
 *
 * Start, dealer j ∈ S: w_j = λ_j^S·s_j (Σ_{j∈S} w_j = s); h_j(x) = w_j + c_j1·x + … + c_j,k'−1·x^{k'−1};
 * broadcast E_j = [w_j·G, c_j1·G, …] (k' points) and send h_j(k) privately to every new party k
 * (kept when k = j). Players that only receive send nothing in this round.
 *
 * On receipt of E_j (every player): same old key and parameters (EPOCH_MISMATCH,
 * PARAMETER_MISMATCH), D2 count = k', C1, then E_j[0] == λ_j^S·Y_j (INVALID_RESHARE_COMMITMENT,
 * culprit j: this is what stops a dealer from changing the secret). On receipt of h_j(k) (new
 * parties): B3/C2; once everything is in, D3 h_j(k)·G == Σ_m k^m·E_j[m] (INVALID_SHARE naming
 * every bad dealer). Then: PK' = Σ_j E_j[0] must equal PK (INVALID_GROUP_KEY); Y_k' =
 * Σ_j Σ_m k^m·E_j[m] for every new k; s_k' = Σ_j h_j(k) with s_k'·G = Y_k'; broadcast the
 * confirmation hash (refresh/round2.ts).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from '../../engine/round.js';
import { commitPolynomial, evalCommitment, evalPolynomial, randomPolynomial } from '../../math/polynomial.js';
import type { GroupPoint } from '../../suites/index.js';
import { aggregateCommitments } from '../dkg/output.js';
import { keyEpoch, type KeyShare, type PublicKeyPackage } from '../key-share.js';
import { checkDealtShares, confirmationHash, nextEpoch } from '../refresh/common.js';
import { ConfirmationRound } from '../refresh/round2.js';
import { decodeReshareRound1, decodeShare, encodeConfirmation, encodeReshareRound1, encodeShare, type ReshareRound1Message } from './messages.js';
import { RESHARE_PROTOCOL_ID, type ReshareConfig } from './params.js';

/** Result of a reshare for one player: its new share, or null for a dealer that leaves the committee. */
export type ReshareResult = KeyShare | null;

/**
 * Start a reshare run. `polynomial` (coefficients from the constant term up) exists only so that
 * tests can play a misbehaving dealer; an honest dealer uses w_j and CSPRNG coefficients.
 */
export function startReshare(cfg: ReshareConfig, polynomial?: readonly bigint[]): ProtocolStart<ReshareResult> {
  const { suite, self, newParties, newThreshold } = cfg;
  if (!cfg.isDealer) return { out: [], next: new ReshareRound1(cfg, undefined, undefined) };
  // w_j = λ_j^S·s_j: our additive share of the secret over S (s_j checked in params.ts).
  const poly = polynomial !== undefined ? [...polynomial] : randomPolynomial(suite, suite.Fn.mul(cfg.lambdas.get(self)!, cfg.oldSecret!), newThreshold - 1);
  const commitment = commitPolynomial(suite, poly); // E_j (constant-time: coefficients are secret)
  const out: OutboundMessage[] = [{ to: 'all', payload: encodeReshareRound1(cfg.oldDigest, cfg.paramsDigest, commitment.map((P) => suite.encodePoint(P))) }];
  for (const k of newParties) if (k !== self) out.push({ to: k, payload: encodeShare(suite, evalPolynomial(suite, poly, BigInt(k))) });
  const own = cfg.isNew ? evalPolynomial(suite, poly, BigInt(self)) : undefined;
  poly.fill(0n); // erase (best effort)
  return { out, next: new ReshareRound1(cfg, commitment, own) };
}

export class ReshareRound1 implements Round<ReshareResult> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly commitments = new Map<PartyId, readonly GroupPoint[]>();
  private readonly shares = new Map<PartyId, bigint>();
  private readonly checkedCommitments = new Map<PartyId, ReshareRound1Message>();
  private readonly checkedShares = new Map<PartyId, bigint>();

  constructor(
    private readonly cfg: ReshareConfig,
    ownCommitment: readonly GroupPoint[] | undefined,
    private ownShare: bigint | undefined,
  ) {
    const otherDealers = cfg.dealers.filter((j) => j !== cfg.self);
    this.expectsBroadcastFrom = otherDealers;
    this.expectsDirectFrom = cfg.isNew ? otherDealers : [];
    if (ownCommitment !== undefined) this.commitments.set(cfg.self, ownCommitment);
  }

  verify(msg: InboundMessage): void {
    const { suite, oldDigest, paramsDigest, newThreshold } = this.cfg;
    if (msg.kind === 'direct') {
      this.checkedShares.set(msg.from, decodeShare(suite, msg.payload));
      return;
    }
    const m = decodeReshareRound1(suite, msg.payload, oldDigest, paramsDigest, newThreshold);
    // E_j[0] == λ_j^S·Y_j (protocols.md §4.4): the dealer shares exactly its part of the secret.
    const expected = this.cfg.verifyingShares.get(msg.from)!.multiplyUnsafe(this.cfg.lambdas.get(msg.from)!);
    if (!m.commitment[0]!.equals(expected))
      throw new ProtocolError(ErrorCode.INVALID_RESHARE_COMMITMENT, `dealer ${msg.from} committed to a constant term other than λ_j·Y_j`);
    this.checkedCommitments.set(msg.from, m);
  }

  store(msg: InboundMessage): void {
    if (msg.kind === 'broadcast') {
      this.commitments.set(msg.from, this.checkedCommitments.get(msg.from)!.commitment);
      this.checkedCommitments.delete(msg.from);
    } else {
      this.shares.set(msg.from, this.checkedShares.get(msg.from)!);
      this.checkedShares.delete(msg.from);
    }
  }

  finalize(): RoundOutput<ReshareResult> {
    const { suite, self, dealers, newParties, newThreshold, sessionId, oldPackage, isNew } = this.cfg;
    const Fn = suite.Fn;
    // D3: h_j(k)·G == Σ_m k^m·E_j[m] for every dealer j, every bad dealer named (refresh/common.ts).
    checkDealtShares(suite, self, this.expectsDirectFrom, this.commitments, this.shares, 'dealer');
    // A'[m] = Σ_{j∈S} E_j[m]: the commitment to the new polynomial Σ_j h_j.
    const A = aggregateCommitments(suite, dealers.map((j) => this.commitments.get(j)!), newThreshold);
    // PK' = Σ_j E_j[0] must equal PK. Each E_j[0] = λ_j·Y_j was checked, so a difference means
    // the old verifying shares are inconsistent with PK: nobody in this run is to blame.
    if (!A[0]!.equals(this.cfg.groupKey)) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'the reshared key differs from the group key');
    const Y = new Map<PartyId, GroupPoint>();
    for (const k of newParties) {
      const Yk = evalCommitment(suite, A, BigInt(k));
      // Only a party that is both dealer and new party can steer its own new share to 0.
      if (Yk.is0()) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, `new verifying share of party ${k} is the identity`, dealers.includes(k) ? [k] : []);
      Y.set(k, Yk);
    }
    const verifyingShares: Record<PartyId, Uint8Array> = {};
    for (const k of newParties) verifyingShares[k] = suite.encodePoint(Y.get(k)!);
    const newPackage: PublicKeyPackage = {
      scheme: oldPackage.scheme,
      threshold: newThreshold,
      parties: [...newParties],
      groupKey: oldPackage.groupKey,
      publicKey: oldPackage.publicKey,
      verifyingShares,
      chainCode: oldPackage.chainCode,
      epoch: nextEpoch(keyEpoch(oldPackage), RESHARE_PROTOCOL_ID, sessionId),
      ...(oldPackage.taprootInternalKey !== undefined ? { taprootInternalKey: oldPackage.taprootInternalKey } : {}),
    };
    let result: ReshareResult = null;
    if (isNew) {
      // s_k' = Σ_{j∈S} h_j(k). SECRET.
      let s = this.ownShare ?? 0n;
      for (const j of this.expectsDirectFrom) s = Fn.add(s, this.shares.get(j)!);
      this.ownShare = undefined;
      this.shares.clear();
      if (s === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'new signing share is zero');
      if (!suite.G.multiply(s).equals(Y.get(self)!)) throw new ProtocolError(ErrorCode.INVALID_SHARE, 'new signing share does not match the new verifying share');
      result = { ...newPackage, self, secretShare: suite.encodeScalar(s) };
    }
    const hash = confirmationHash(RESHARE_PROTOCOL_ID, sessionId, this.cfg.paramsDigest, newPackage);
    return { out: [{ to: 'all', payload: encodeConfirmation(hash) }], next: new ConfirmationRound<ReshareResult>(2, this.cfg.others, hash, result) };
  }
}
