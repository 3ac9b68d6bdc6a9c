/**
 * `ecdsa-hm-presign/v1` round 2: consumes every other player's (R_j, w_j) broadcast
 * (protocols.md §2.3 Round 2 outputs), then §2.3 Round 3 first half:
 *   check R_1..R_n consistent (OpenExp, degree t) — abort otherwise;  R = Σ λ_j·R_j;  abort if R = O;
 *   W_i = a_i·R; broadcast W_i.
 * w = Open_2t(w_1..w_n) is computed here too (public; checked against W in round 3).
 *
 * Checks (security-checklist.md, protocols.md §2.5):
 * - B3/C1 on every R_j and w_j at the wire boundary — INVALID_POINT / INVALID_SCALAR, culprit = sender.
 * - §2.5 "dealer sends inconsistent RandSS shares for k" and "wrong R_i": the R_j do not lie on a
 *   degree-t polynomial — INCONSISTENT_SHARES, no culprit (with 2t + 1 points the error cannot be
 *   attributed; docs/protocols/ecdsa-honest-majority.md "Abort behaviour").
 * - A3: equivocated (R_j, w_j) are caught by the echo in round 3 (engine, ECHO_MISMATCH).
 */
import { normalizeZ } from '@noble/curves/abstract/curve.js';
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import type { Point } from './curve.js';
import { interpolatePoints, isConsistent, openingCode, openScalar } from './exponent.js';
import { decodeNonceShares, encodePoints } from './messages.js';
import type { PresignContext } from './params.js';
import type { Presignature } from './presignature.js';
import { PresignRound3 } from './presign-round3.js';

/** Secret state of player i for one presignature between rounds. SECRET. */
export interface PresignSecrets {
  readonly a: bigint;
  readonly d: bigint;
  readonly e: bigint;
}

export class PresignRound2 implements Round<Presignature[]> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly checked = new Map<PartyId, { R: Point[]; w: bigint[] }>();
  private readonly received = new Map<PartyId, { R: Point[]; w: bigint[] }>();

  constructor(
    private readonly ctx: PresignContext,
    private secrets: PresignSecrets[] | undefined,
    ownR: Point[],
    ownW: bigint[],
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.received.set(ctx.self, { R: ownR, w: ownW });
  }

  verify(msg: InboundMessage): void {
    this.checked.set(msg.from, decodeNonceShares(this.ctx.key.curve, msg.payload, this.ctx.count));
  }

  store(msg: InboundMessage): void {
    this.received.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }

  finalize(): RoundOutput<Presignature[]> {
    const { ctx } = this;
    const c = ctx.key.curve;
    const code = openingCode(c, ctx.players, ctx.key.t);
    const secrets = this.secrets!;
    this.secrets = undefined;
    const views = ctx.players.map((p) => this.received.get(p)!);
    const R: Point[] = [];
    const w: bigint[] = [];
    const W: Point[] = [];
    for (let b = 0; b < ctx.count; b++) {
      const Rs = views.map((v) => v.R[b]!);
      if (!isConsistent(c, code, Rs))
        throw new ProtocolError(ErrorCode.INCONSISTENT_SHARES, `presignature ${b}: the nonce shares R_j are not consistent (not on one degree-t polynomial)`);
      const Rb = interpolatePoints(c, code, Rs);
      if (Rb.is0()) throw new ProtocolError(ErrorCode.INVALID_POINT, `presignature ${b}: the nonce point R is the identity`);
      R.push(Rb);
      w.push(openScalar(c, code, views.map((v) => v.w[b]!)));
      W.push(ctx.arith.mulSecret(c, Rb, secrets[b]!.a)); // constant time: a_i is secret (one-time)
    }
    this.received.clear();
    const Rn = normalizeZ(c.Point, R);
    const Wn = normalizeZ(c.Point, W);
    return { out: [{ to: 'all', payload: encodePoints(Wn) }], next: new PresignRound3(ctx, secrets, Rn, w, Wn) };
  }
}
