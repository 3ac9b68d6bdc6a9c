/**
 * DKG round 2 (FROST paper, Komlo–Goldberg 2020, Fig. 1 "Round 2" steps 1–4; protocols.md §4.1
 * "Finalize"): receive f_ℓ(i) and cc_ℓ from every ℓ. On receipt: B3 and C2 (messages.ts), D3
 * (f_ℓ(i)·G = Σ_m i^m·C_ℓ[m], blaming ℓ), chain-code reveal. The engine has already compared
 * ℓ's echo of the round-1 broadcasts with ours (A3). Once all are in: s_i, PK, every Y_j,
 * Taproot adjustment (output.ts), then broadcast the hash of the public output.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { evalCommitment } from '../../math/polynomial.js';
import type { KeyShare } from '../key-share.js';
import { encodeConfirmationHash } from '../confirmation-round.js';
import { decodeRound2, type Round2Message } from './messages.js';
import { checkChainCodeReveal, computeKeyOutput, jointChainCode, publicOutputHash, toKeyShare } from './output.js';
import { DkgRound3 } from './round3.js';
import type { DkgState } from './state.js';

export class DkgRound2 implements Round<KeyShare> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[] = [];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly checked = new Map<PartyId, Round2Message>();
  private readonly received = new Map<PartyId, Round2Message>();

  constructor(private readonly state: DkgState) {
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    const { suite, self, sessionId } = this.state.cfg;
    const m = decodeRound2(suite, msg.payload); // B3, C2
    const r1 = this.state.round1.get(msg.from)!;
    // D3 / step 2: f_ℓ(i)·G = Σ_m i^m·C_ℓ[m]; the share is secret (constant-time multiply),
    // the right-hand side is public (variable time).
    if (!suite.G.multiply(m.share).equals(evalCommitment(suite, r1.commitment, BigInt(self))))
      throw new ProtocolError(ErrorCode.INVALID_SHARE, `share from party ${msg.from} does not match its commitment`);
    checkChainCodeReveal(sessionId, msg.from, m.chainCode, r1.ccCommit);
    this.checked.set(msg.from, m);
  }

  store(msg: InboundMessage): void {
    const m = this.checked.get(msg.from);
    if (m === undefined) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'round-2 message stored before verification');
    this.checked.delete(msg.from);
    this.received.set(msg.from, m);
  }

  finalize(): RoundOutput<KeyShare> {
    const { state } = this;
    const { suite, self, parties, threshold, sessionId } = state.cfg;
    const commitments = parties.map((p) => state.round1.get(p)!.commitment);
    const shares = parties.map((p) => (p === self ? state.ownShare! : this.received.get(p)!.share));
    // Steps 3–4: s_i = Σ_ℓ f_ℓ(i), PK = Σ_ℓ C_ℓ[0], Y_j for every j (+ Taproot adjustment).
    const output = computeKeyOutput(suite, self, parties, threshold, commitments, shares);
    const chainCode = jointChainCode(parties.map((p) => (p === self ? state.chainCode : this.received.get(p)!.chainCode)));
    const key = toKeyShare(suite, self, parties, threshold, output, chainCode);
    state.ownShare = undefined;
    this.received.clear();
    const hash = publicOutputHash(sessionId, key);
    return { out: [{ to: 'all', payload: encodeConfirmationHash(hash) }], next: new DkgRound3(key, hash, state.cfg.others) };
  }
}
