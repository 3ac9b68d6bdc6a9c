/**
 * `ecdsa-hm-presign/v1` round 3: consumes every other player's W_j broadcast, then the rest of
 * protocols.md §2.3 Round 3:
 *   check W_1..W_n consistent (OpenExp, degree t); W = Σ λ_j·W_j          (W = a·R = (a·k)·G)
 *   CHECK w·G == W — otherwise abort (catches any error in the degree-2t opening of w)
 *   abort if w = 0;  c_i = a_i·w⁻¹ ([c]_t = [k⁻¹]_t);  α_i = c_i + d_i;  β_i = c_i·x_i;  r = x(R) mod q
 * and outputs presignature_i = (R, r, α_i, β_i, e_i, c_i) for every index of the batch.
 *
 * Checks (security-checklist.md, protocols.md §2.5):
 * - C1 on every W_j — INVALID_POINT, culprit = sender.
 * - "inconsistent RandSS shares for a" / "wrong W_i": W_j not on a degree-t polynomial —
 *   INCONSISTENT_SHARES, no culprit.
 * - "error added to w_i" (and a bad ZeroSS dealing of b): w·G ≠ W — INCONSISTENT_SHARES, no
 *   culprit, before w is inverted (protocols.md §7 item 9).
 * - A3: the echo carried by the W_j messages covers the round-2 broadcasts (engine). The W_j
 *   themselves are the last broadcast and are not echoed: an equivocated W_j makes some players
 *   abort while others, whose own view passed every check, finish with correct presignatures
 *   (docs: "Abort behaviour"; the cluster confirms batches with `presignatureBatchDigest`).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import type { Point } from './curve.js';
import { interpolatePoints, isConsistent, openingCode } from './exponent.js';
import { decodePoints } from './messages.js';
import type { PresignContext } from './params.js';
import { makePresignature, type Presignature } from './presignature.js';
import type { PresignSecrets } from './presign-round2.js';

export class PresignRound3 implements Round<Presignature[]> {
  readonly number = 3;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly checked = new Map<PartyId, Point[]>();
  private readonly received = new Map<PartyId, Point[]>();

  constructor(
    private readonly ctx: PresignContext,
    private secrets: PresignSecrets[] | undefined,
    private readonly R: readonly Point[],
    private readonly w: readonly bigint[],
    ownW: Point[],
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.received.set(ctx.self, ownW);
  }

  verify(msg: InboundMessage): void {
    this.checked.set(msg.from, decodePoints(this.ctx.key.curve, msg.payload, this.ctx.count));
  }

  store(msg: InboundMessage): void {
    this.received.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }

  finalize(): RoundOutput<Presignature[]> {
    const { ctx } = this;
    const c = ctx.key.curve;
    const Fn = c.Fn;
    const code = openingCode(c, ctx.players, ctx.key.t);
    const secrets = this.secrets!;
    this.secrets = undefined;
    const views = ctx.players.map((p) => this.received.get(p)!);
    const x = c.suite.decodeNonZeroScalar(ctx.share.secretShare);
    const out: Presignature[] = [];
    for (let b = 0; b < ctx.count; b++) {
      const Ws = views.map((v) => v[b]!);
      if (!isConsistent(c, code, Ws))
        throw new ProtocolError(ErrorCode.INCONSISTENT_SHARES, `presignature ${b}: the shares W_j = a_j·R are not consistent (not on one degree-t polynomial)`);
      const W = interpolatePoints(c, code, Ws);
      const w = this.w[b]!;
      if (w === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, `presignature ${b}: w = a·k is zero`);
      // w is public (opened): variable-time multiplication.
      if (!ctx.arith.mulBase(c, w).equals(W))
        throw new ProtocolError(ErrorCode.INCONSISTENT_SHARES, `presignature ${b}: the opened w does not match W = a·R (a share w_j of a·k was wrong)`);
      const Rb = this.R[b]!; // affine (normalised in round 2)
      const r = Fn.create(Rb.toAffine().x);
      if (r === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, `presignature ${b}: r = x(R) mod q is zero`);
      const s = secrets[b]!;
      const ci = Fn.mul(s.a, Fn.inv(w));
      out.push(
        makePresignature(
          { scheme: ctx.key.scheme, self: ctx.self, players: ctx.players, keyDigest: ctx.key.digest, sessionId: ctx.sessionId, count: ctx.count, index: b, R: Rb.toBytes(true) },
          r,
          { alpha: Fn.add(ci, s.d), beta: Fn.mul(ci, x), e: s.e, c: ci },
        ),
      );
    }
    this.received.clear();
    return { out: [], result: out };
  }
}
