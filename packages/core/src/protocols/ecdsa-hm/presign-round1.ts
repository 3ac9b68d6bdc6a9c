/**
 * `ecdsa-hm-presign/v1` round 1: consumes every other player's dealing (protocols.md §2.3
 * Round 1 outputs), then computes and broadcasts the §2.3 Round 2 values
 *   k_i = Σ_j f_k,j(i), a_i, b_i, d_i, e_i likewise;  R_i = k_i·G;  w_i = a_i·k_i + b_i
 * (w_i is a degree-2t share of w = a·k, re-randomised by the zero sharing b).
 *
 * Checks on each dealing (security-checklist.md): the context hash equals ours (same key, player
 * set, batch size and session; A2) — CONTEXT_MISMATCH, culprit = sender; exact length —
 * MALFORMED_MESSAGE; every scalar < q (B3) — INVALID_SCALAR. Whether a dealer's shares lie on
 * polynomials of the right degree cannot be seen here (no commitments, §2.1 RandSS): it is
 * checked in the exponent in rounds 2 and 3.
 */
import { normalizeZ } from '@noble/curves/abstract/curve.js';
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import type { Point } from './curve.js';
import { decodeDealing, encodeNonceShares, type Dealing } from './messages.js';
import type { PresignContext } from './params.js';
import type { Presignature } from './presignature.js';
import { PresignRound2, type PresignSecrets } from './presign-round2.js';

export class PresignRound1 implements Round<Presignature[]> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[] = [];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly checked = new Map<PartyId, Dealing[]>();
  private readonly dealings = new Map<PartyId, Dealing[]>();

  constructor(
    private readonly ctx: PresignContext,
    /** Own shares kept from the dealing (f_self of every dealer's polynomial; the peers' are added in finalize). */
    private own: Dealing[] | undefined,
  ) {
    this.expectsDirectFrom = ctx.peers;
  }

  verify(msg: InboundMessage): void {
    this.checked.set(msg.from, decodeDealing(this.ctx.key.curve, msg.payload, this.ctx.contextHash, this.ctx.count));
  }

  store(msg: InboundMessage): void {
    this.dealings.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }

  finalize(): RoundOutput<Presignature[]> {
    const { ctx } = this;
    const c = ctx.key.curve;
    const Fn = c.Fn;
    const own = this.own!;
    this.own = undefined;
    const R: Point[] = [];
    const w: bigint[] = [];
    const secrets: PresignSecrets[] = [];
    for (let b = 0; b < ctx.count; b++) {
      let { k, a, b: bb, d, e } = own[b]!;
      for (const p of ctx.peers) {
        const x = this.dealings.get(p)![b]!;
        k = Fn.add(k, x.k);
        a = Fn.add(a, x.a);
        bb = Fn.add(bb, x.b);
        d = Fn.add(d, x.d);
        e = Fn.add(e, x.e);
      }
      // Zero k_i or a_i: probability ~2^-256 unless the dealings are wrong (C2).
      if (k === 0n || a === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'a nonce or mask share is zero');
      R.push(ctx.arith.mulBaseSecret(c, k)); // constant time: k_i is secret (one-time)
      w.push(Fn.add(Fn.mul(a, k), bb));
      secrets.push({ a, d, e });
    }
    this.dealings.clear();
    const Rn = normalizeZ(c.Point, R);
    return { out: [{ to: 'all', payload: encodeNonceShares(Rn, w) }], next: new PresignRound2(ctx, secrets, Rn, w) };
  }
}
