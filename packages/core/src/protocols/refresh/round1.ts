/**
 * Refresh round 1 (proactive secret sharing: Herzberg, Jarecki, Krawczyk, Yung, "Proactive Secret
 * Sharing Or: How to Cope With Perpetual Leakage", CRYPTO 1995, share-renewal step; protocols.md
 * §4.3; wire conventions of ZF `frost-core/src/keys/refresh.rs`).
 *
 * Start: player i deals a Feldman sharing of ZERO, g_i(x) = 0 + b_i1·x + … + b_i,k−1·x^{k−1}; it
 * broadcasts D_i[1..k−1] = [b_im·G] (no constant-term commitment: D_i[0] = O is implicit) and
 * sends g_i(ℓ) privately to every ℓ ≠ i. The broadcast and the direct shares go out together
 * (one round instead of the DKG's two): the engine's echo of the broadcasts in round 2 and the
 * confirmation hash still guarantee that every player used the same commitments (A3), and a
 * zero-sharing reveals nothing whichever commitments a receiver checks it against.
 *
 * On receipt: EPOCH_MISMATCH / D2 / C1 (messages.ts); once all are in, D3: every share is checked
 * against its dealer's commitments, g_ℓ(i)·G = Σ_{m≥1} i^m·D_ℓ[m] (INVALID_SHARE naming every bad
 * dealer). Then s_i' = s_i + Σ_ℓ g_ℓ(i), Y_j' = Y_j + Σ_ℓ Σ_{m≥1} j^m·D_ℓ[m] for every j, the
 * checks of D6 (k unchanged by construction, PK unchanged, s_i'·G = Y_i'), and the confirmation
 * hash is broadcast (round2.ts).
 *
 * No proof of knowledge is sent (ZF attaches one to its refresh package). In the DKG the PoK stops
 * a rogue choice of C_ℓ[0] as a function of the others' contributions; here the constant term is
 * fixed to O and cannot be expressed, and the other coefficients need no PoK: every receiver checks
 * its share against them (D3), and a sum of Feldman-verified zero-sharings is a zero-sharing
 * whatever the dealers chose.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from '../../engine/round.js';
import { commitPolynomial, evalCommitment, evalPolynomial, randomPolynomial } from '../../math/polynomial.js';
import type { GroupPoint } from '../../suites/index.js';
import { aggregateCommitments } from '../dkg/output.js';
import { keyEpoch, type KeyShare } from '../key-share.js';
import { checkDealtShares, confirmationHash, interpolateAt, nextEpoch } from './common.js';
import { decodeRefreshRound1, decodeShare, encodeConfirmation, encodeRefreshRound1, encodeShare, type RefreshRound1Message } from './messages.js';
import { REFRESH_PROTOCOL_ID, type RefreshConfig } from './params.js';
import { ConfirmationRound } from './round2.js';

/**
 * Start a refresh run: our round-1 messages and the round that consumes the others'.
 * `polynomial` (coefficients from the constant term up) exists only so that tests can play a
 * misbehaving dealer; an honest player leaves it to the CSPRNG (constant term 0, degree k−1).
 */
export function startRefresh(cfg: RefreshConfig, polynomial?: readonly bigint[]): ProtocolStart<KeyShare> {
  const { suite, self, others, threshold } = cfg;
  const poly = polynomial !== undefined ? [...polynomial] : randomPolynomial(suite, 0n, threshold - 1);
  // D_i[1..]: commitments to the non-constant coefficients (constant-time: they are secret).
  const commitment = commitPolynomial(suite, poly.slice(1));
  const out: OutboundMessage[] = [{ to: 'all', payload: encodeRefreshRound1(cfg.oldDigest, commitment.map((P) => suite.encodePoint(P))) }];
  // k = 1: the only zero-sharing of degree 0 is 0 everywhere; nothing to send.
  if (threshold > 1) for (const l of others) out.push({ to: l, payload: encodeShare(suite, evalPolynomial(suite, poly, BigInt(l))) });
  const own = evalPolynomial(suite, poly, BigInt(self));
  poly.fill(0n); // erase (best effort: bigints are immutable, we drop every reference)
  return { out, next: new RefreshRound1(cfg, commitment, own) };
}

export class RefreshRound1 implements Round<KeyShare> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];
  /** D_ℓ[0..k−1] of every dealer, self included, with the implicit D_ℓ[0] = O in front. */
  private readonly commitments = new Map<PartyId, readonly GroupPoint[]>();
  private readonly shares = new Map<PartyId, bigint>();
  private readonly checkedCommitments = new Map<PartyId, RefreshRound1Message>();
  private readonly checkedShares = new Map<PartyId, bigint>();

  constructor(
    private readonly cfg: RefreshConfig,
    ownCommitment: readonly GroupPoint[],
    private ownShare: bigint,
  ) {
    this.expectsBroadcastFrom = cfg.others;
    this.expectsDirectFrom = cfg.threshold > 1 ? cfg.others : [];
    this.commitments.set(cfg.self, [cfg.suite.ZERO, ...ownCommitment]);
  }

  verify(msg: InboundMessage): void {
    const { suite, oldDigest, threshold } = this.cfg;
    if (msg.kind === 'broadcast') this.checkedCommitments.set(msg.from, decodeRefreshRound1(suite, msg.payload, oldDigest, threshold));
    else this.checkedShares.set(msg.from, decodeShare(suite, msg.payload));
  }

  store(msg: InboundMessage): void {
    if (msg.kind === 'broadcast') {
      const m = this.checkedCommitments.get(msg.from)!;
      this.checkedCommitments.delete(msg.from);
      this.commitments.set(msg.from, [this.cfg.suite.ZERO, ...m.commitment]);
    } else {
      this.shares.set(msg.from, this.checkedShares.get(msg.from)!);
      this.checkedShares.delete(msg.from);
    }
  }

  finalize(): RoundOutput<KeyShare> {
    const { suite, self, parties, others, threshold, key, sessionId } = this.cfg;
    const Fn = suite.Fn;
    // D3: g_ℓ(i)·G = Σ_{m≥1} i^m·D_ℓ[m], every bad dealer named (common.ts).
    checkDealtShares(suite, self, this.expectsDirectFrom, this.commitments, this.shares, 'party');
    // Z = Σ_ℓ D_ℓ (Z[0] = O): the commitment to the joint zero-sharing Σ_ℓ g_ℓ.
    const Z = aggregateCommitments(suite, parties.map((p) => this.commitments.get(p)!), threshold);
    // s_i' = s_i + Σ_ℓ g_ℓ(i). SECRET.
    let s = Fn.add(this.cfg.ownSecret, this.ownShare);
    for (const l of this.expectsDirectFrom) s = Fn.add(s, this.shares.get(l)!);
    this.ownShare = 0n;
    this.shares.clear();
    // Y_j' = Y_j + Σ_m j^m·Z[m] for every j.
    const Y = new Map<PartyId, GroupPoint>();
    for (const j of parties) {
      const Yj = this.cfg.verifyingShares.get(j)!.add(evalCommitment(suite, Z, BigInt(j)));
      // Only player j can steer its own new share (it knows s_j and its received shares) to 0.
      if (Yj.is0()) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, `new verifying share of party ${j} is the identity`, [j]);
      Y.set(j, Yj);
    }
    if (s === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'new signing share is zero');
    if (!suite.G.multiply(s).equals(Y.get(self)!)) throw new ProtocolError(ErrorCode.INVALID_SHARE, 'new signing share does not match the new verifying share');
    // D6: the group key is unchanged — the new verifying shares interpolate to PK.
    if (!interpolateAt(suite, parties.slice(0, threshold), Y, 0n).equals(this.cfg.groupKey))
      throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'the refreshed shares do not interpolate to the group key');

    const verifyingShares: Record<PartyId, Uint8Array> = {};
    for (const j of parties) verifyingShares[j] = suite.encodePoint(Y.get(j)!);
    const newKey: KeyShare = {
      ...key,
      parties: [...parties],
      secretShare: suite.encodeScalar(s),
      verifyingShares,
      epoch: nextEpoch(keyEpoch(key), REFRESH_PROTOCOL_ID, sessionId),
    };
    const hash = confirmationHash(REFRESH_PROTOCOL_ID, sessionId, this.cfg.oldDigest, newKey);
    return { out: [{ to: 'all', payload: encodeConfirmation(hash) }], next: new ConfirmationRound(2, others, hash, newKey) };
  }
}
