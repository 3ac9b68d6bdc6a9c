/**
 * `dkls23-sign/v1` round 2 = DKLs23 Protocol 3.6 Round 3 (dkls23.md §C.4 "Round 3": the paper and
 * the spec number computation rounds; here engine round n consumes the messages sent at the end
 * of round n−1, so our round 2 runs the paper's Round 3).
 *
 * On receipt from j:
 * - broadcast: R_j, pk_j decode (C1), salt; com_j = H(ctx, j, R_j, salt_j) (DKLS_COMMITMENT_MISMATCH,
 *   culprit j, no ban).
 * - direct: Γ^u_ji, Γ^v_ji (C1), ψ_ji (B3); RVOLE (j → i) step 3 as Bob with its check
 *   (DKLS_VOLE_CHECK_FAILED, culprit j, ban) → d^u_ij, d^v_ij.
 * Finalize (all messages in):
 * - Γ checks per j: χ_ij·R_j = Γ^u_ji + d^u_ij·G and χ_ij·pk_j = Γ^v_ji + d^v_ij·G, verified as one
 *   equation with a fresh random 128-bit coefficient e (soundness error 2^-128):
 *   χ_ij·(R_j + e·pk_j) = Γ^u_ji + e·Γ^v_ji + (d^u_ij + e·d^v_ij)·G   (DKLS_GAMMA_CHECK_FAILED, culprit j, ban)
 * - Σ_{j∈S} pk_j = PK + ε·G (DKLS_PUBLIC_KEY_MISMATCH, no culprit, no ban); R = Σ R_j ≠ O, r = x(R) ≠ 0,
 *   x(R) < q (else the recovery id would be 2/3; INVALID_SIGNATURE before anything is sent).
 * - u_i = r_i·(φ_i + Σ ψ_ji) + Σ (c^u_ij + d^u_ij), v_i = sk_i·(φ_i + Σ ψ_ji) + Σ (c^v_ij + d^v_ij),
 *   w_i = h·φ_i + r·v_i; broadcast (u_i, w_i).
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { equalBytes, randomBytes } from '../../../math/bytes.js';
import { rvoleReceive } from '../rvole.js';
import type { EcdsaSignature } from '../signature.js';
import { decodeR2Broadcast, decodeR2Direct, encodeR3Broadcast, nonceCommitment } from './messages.js';
import { DklsSignRound3 } from './round3.js';
import { eraseSignState, type SignState } from './state.js';

export class DklsSignRound2 implements Round<EcdsaSignature> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];

  constructor(private readonly state: SignState) {
    this.expectsBroadcastFrom = state.ctx.peers;
    this.expectsDirectFrom = state.ctx.peers;
  }

  verify(msg: InboundMessage): void {
    const { ctx } = this.state;
    const { suite, prims } = ctx;
    if (msg.kind === 'broadcast') {
      const m = decodeR2Broadcast(suite, msg.payload);
      if (!equalBytes(nonceCommitment(prims, ctx.contextHash, msg.from, m.Rbytes, m.salt), this.state.peerCom.get(msg.from)!))
        throw new ProtocolError(ErrorCode.DKLS_COMMITMENT_MISMATCH, `party ${msg.from} revealed a nonce that does not match its commitment`);
      this.state.peerR2.set(msg.from, m);
      return;
    }
    const m = decodeR2Direct(suite, msg.payload);
    const pair = ctx.pairs.get(msg.from)!;
    const bob = this.state.bob.get(msg.from)!;
    const { d1, d2 } = rvoleReceive(prims, suite, pair.sidAsReceiver, pair.gAsReceiver, bob.tCols, bob.beta, m.rvole);
    this.state.peerDirect.set(msg.from, m);
    this.state.d.set(msg.from, { u: d1, v: d2 });
  }

  store(_msg: InboundMessage): void {
    // Kept by verify.
  }

  finalize(): RoundOutput<EcdsaSignature> {
    const { state } = this;
    const { ctx } = state;
    const { suite } = ctx;
    const q = suite.order;
    const G = suite.G;
    try {
      // Γ checks (ban on failure).
      for (const j of ctx.peers) {
        const b = state.peerR2.get(j)!;
        const m = state.peerDirect.get(j)!;
        const d = state.d.get(j)!;
        const chi = state.bob.get(j)!.chi;
        let e = 0n;
        while (e === 0n) e = bytesToNumberBE(randomBytes(16));
        const lhsBase = b.R.add(b.pk.multiplyUnsafe(e));
        const lhs = chi === 0n ? suite.ZERO : lhsBase.multiply(chi);
        const dd = (d.u + e * d.v) % q;
        const rhs = m.gammaU.add(m.gammaV.multiplyUnsafe(e)).add(dd === 0n ? suite.ZERO : G.multiply(dd));
        if (!lhs.equals(rhs)) throw new ProtocolError(ErrorCode.DKLS_GAMMA_CHECK_FAILED, `Γ check failed for party ${j}`, [j]);
      }
      // Σ pk_j = PK' (no ban: cannot tell who is wrong).
      let pkSum = state.pk!;
      let R = state.R;
      for (const j of ctx.peers) {
        pkSum = pkSum.add(state.peerR2.get(j)!.pk);
        R = R.add(state.peerR2.get(j)!.R);
      }
      if (!pkSum.equals(ctx.publicKey)) throw new ProtocolError(ErrorCode.DKLS_PUBLIC_KEY_MISMATCH, 'the signers\u2019 public key shares do not add up to the public key');
      if (R.is0()) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'joint nonce is the identity');
      const Rc = R.toBytes(true);
      // x(R) ≥ q would need recovery id 2/3 (probability ~2^-128): refuse before sending anything.
      const r = bytesToNumberBE(Rc.subarray(1));
      if (r >= q) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'x(R) ≥ q: recovery id not representable');
      if (r === 0n) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'r = 0');
      let psiSum = state.phi;
      let cu = 0n;
      let cv = 0n;
      for (const j of ctx.peers) {
        psiSum += state.peerDirect.get(j)!.psi;
        cu += state.c.get(j)!.u + state.d.get(j)!.u;
        cv += state.c.get(j)!.v + state.d.get(j)!.v;
      }
      psiSum %= q;
      const u = (state.r * psiSum + cu) % q;
      const v = (state.sk * psiSum + cv) % q;
      const w = (ctx.h * state.phi + r * v) % q;
      return { out: [{ to: 'all', payload: encodeR3Broadcast(suite, u, w) }], next: new DklsSignRound3(ctx, r, Rc[0] === 0x03 ? 1 : 0, u, w) };
    } finally {
      eraseSignState(state);
    }
  }

  /** Session ended in this round (abort before finalize): erase the secret state. */
  dispose(): void {
    eraseSignState(this.state);
  }
}
