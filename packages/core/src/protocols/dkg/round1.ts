/**
 * DKG round 1 (FROST paper, Komlo–Goldberg 2020, Fig. 1 "Round 1" steps 1–5; protocols.md §4.1):
 * sample f_i, broadcast the Feldman commitment C_i, a PoK of a_i0 and a hash commitment to a
 * 32-byte chain-code contribution. On receipt of every other party's broadcast: D2, C1, B3
 * (messages.ts), then D4 (the PoK, step 5 — "upon receiving …, verify σ_ℓ").
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from '../../engine/round.js';
import { randomBytes } from '../../math/bytes.js';
import { commitPolynomial, evalPolynomial, randomPolynomial } from '../../math/polynomial.js';
import type { Suite } from '../../suites/index.js';
import type { KeyShare } from '../key-share.js';
import { CHAIN_CODE_LENGTH, decodeRound1, encodeRound1, encodeRound2, type Round1Message } from './messages.js';
import type { DkgConfig } from './params.js';
import { provePok, verifyPok } from './pok.js';
import { chainCodeCommitment } from './output.js';
import { DkgRound2 } from './round2.js';
import type { DkgState } from './state.js';

export interface Round1Inputs {
  readonly suite: Suite;
  readonly context: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly self: PartyId;
  /** a_i0 … a_i,k−1. */
  readonly coefficients: readonly bigint[];
  readonly chainCode: Uint8Array;
  /** PoK nonce: for reproducing test vectors only. */
  readonly pokNonce?: bigint;
}

/** Build our round-1 broadcast (also used by tests to play a misbehaving party). */
export function buildRound1(inp: Round1Inputs): { payload: Uint8Array; message: Round1Message } {
  const { suite } = inp;
  // Step 2: C_i = [a_ij·G] (constant-time multiplication: the coefficients are secret).
  const commitment = commitPolynomial(suite, inp.coefficients);
  const commitmentBytes = commitment.map((P) => suite.encodePoint(P));
  // Step 2: σ_i = (R_i, μ_i), proof of knowledge of a_i0 bound to i and the context.
  const pok = provePok(suite, inp.context, inp.self, inp.coefficients[0]!, commitmentBytes[0]!, inp.pokNonce);
  const rBytes = suite.encodePoint(pok.R);
  const ccCommit = chainCodeCommitment(inp.sessionId, inp.self, inp.chainCode);
  const payload = encodeRound1(suite, commitmentBytes, rBytes, pok.mu, ccCommit);
  return { payload, message: { commitment, commitmentBytes, R: pok.R, rBytes, mu: pok.mu, ccCommit } };
}

/** Start a DKG run: our round-1 broadcast and the round that consumes the others'. */
export function startDkg(cfg: DkgConfig): ProtocolStart<KeyShare> {
  const { suite } = cfg;
  // Step 1: f_i(x) = a_i0 + a_i1·x + … + a_i,k−1·x^{k−1}, uniformly random (CSPRNG).
  const coefficients = randomPolynomial(suite, suite.randomScalar(), cfg.threshold - 1);
  const chainCode = randomBytes(CHAIN_CODE_LENGTH);
  const { payload, message } = buildRound1({ suite, context: cfg.context, sessionId: cfg.sessionId, self: cfg.self, coefficients, chainCode });
  const state: DkgState = { cfg, coefficients, chainCode, round1: new Map([[cfg.self, message]]), ownShare: undefined };
  return { out: [{ to: 'all', payload }], next: new DkgRound1(state) };
}

export class DkgRound1 implements Round<KeyShare> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly checked = new Map<PartyId, Round1Message>();

  constructor(private readonly state: DkgState) {
    this.expectsBroadcastFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    const { suite, threshold, context } = this.state.cfg;
    const m = decodeRound1(suite, msg.payload, threshold); // D2, C1, B3
    // D4 / step 5: μ_ℓ·G = R_ℓ + c_ℓ·C_ℓ[0] with c_ℓ computed under ℓ's identifier and our context.
    if (!verifyPok(suite, context, msg.from, m.commitment[0]!, m.commitmentBytes[0]!, m.R, m.rBytes, m.mu))
      throw new ProtocolError(ErrorCode.INVALID_PROOF_OF_KNOWLEDGE, `invalid proof of knowledge from party ${msg.from}`);
    this.checked.set(msg.from, m);
  }

  store(msg: InboundMessage): void {
    const m = this.checked.get(msg.from);
    if (m === undefined) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'round-1 message stored before verification');
    this.checked.delete(msg.from);
    this.state.round1.set(msg.from, m);
  }

  finalize(): RoundOutput<KeyShare> {
    const { state } = this;
    const { suite, self, others } = state.cfg;
    const coeffs = state.coefficients!;
    // Round 2 step 1: send f_i(ℓ) to every ℓ ≠ i with our chain-code reveal; keep f_i(i).
    const out: OutboundMessage[] = others.map((l) => ({ to: l, payload: encodeRound2(suite, evalPolynomial(suite, coeffs, BigInt(l)), state.chainCode) }));
    state.ownShare = evalPolynomial(suite, coeffs, BigInt(self));
    // Erase the polynomial (best effort: bigints are immutable, we drop every reference).
    coeffs.fill(0n);
    state.coefficients = undefined;
    return { out, next: new DkgRound2(state) };
  }
}
