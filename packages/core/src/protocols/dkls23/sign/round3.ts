/**
 * `dkls23-sign/v1` round 3 = DKLs23 Protocol 3.6 output step (dkls23.md §C.4 "Output"): every signer's (u_j, w_j) (B3), then
 * u = Σ u_j ≠ 0, s = (Σ w_j)·u⁻¹, low-s normalisation with the matching recovery-id flip (§B.5),
 * and the final ECDSA verification under PK + ε·G before anything is output (F1; failure:
 * INVALID_SIGNATURE, no ban — §C.6).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { ecdsaDer, type EcdsaSignature } from '../signature.js';
import type { SignContext } from './context.js';
import { decodeR3Broadcast } from './messages.js';

export class DklsSignRound3 implements Round<EcdsaSignature> {
  readonly number = 3;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private u: bigint;
  private w: bigint;

  /**
   * @param r x(R), already checked 0 < x(R) < q in round 2.
   * @param yOdd parity of y(R) (the recovery id before low-s normalisation).
   */
  constructor(
    private readonly ctx: SignContext,
    private readonly r: bigint,
    private readonly yOdd: 0 | 1,
    u: bigint,
    w: bigint,
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.u = u;
    this.w = w;
  }

  verify(msg: InboundMessage): void {
    const { u, w } = decodeR3Broadcast(this.ctx.suite, msg.payload);
    const q = this.ctx.suite.order;
    this.u = (this.u + u) % q;
    this.w = (this.w + w) % q;
  }

  store(_msg: InboundMessage): void {
    // Accumulated by verify.
  }

  finalize(): RoundOutput<EcdsaSignature> {
    const { suite } = this.ctx;
    const q = suite.order;
    if (this.u === 0n) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'u = 0');
    let s = (this.w * suite.Fn.inv(this.u)) % q;
    if (s === 0n) throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 's = 0');
    let parity: number = this.yOdd;
    if (s > q >> 1n) {
      s = q - s;
      parity ^= 1; // §B.5: negating s corresponds to −R
    }
    const signature = new Uint8Array(64);
    signature.set(suite.encodeScalar(this.r), 0);
    signature.set(suite.encodeScalar(s), 32);
    if (!suite.verify(signature, this.ctx.message, this.ctx.publicKeyBytes))
      throw new ProtocolError(ErrorCode.INVALID_SIGNATURE, 'the combined signature does not verify');
    return { out: [], result: { signature, der: ecdsaDer(signature), recoveryId: parity as 0 | 1, publicKey: this.ctx.publicKeyBytes.slice() } };
  }
}
