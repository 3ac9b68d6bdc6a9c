/**
 * `ecdsa-hm-sign/v2` round 1: consumes every other player's (context hash, ρ_j) broadcast, then
 * computes and broadcasts the signature share (protocols.md §2.4, with the §2.6 re-randomisation
 * when a tweak is used).
 *
 * Checks before the share is computed (security-checklist.md, protocols.md §2.6):
 * - every player's context hash equals ours: all players sign the same h with the same ε, the
 *   same presignature, key, player set and session — CONTEXT_MISMATCH, culprit = sender. A
 *   player fed a different message therefore makes every honest player abort before any s_i
 *   leaves (split-view rule of §2.6).
 * - exact payload length — MALFORMED_MESSAGE.
 * The ρ_j are not echoed before s_i is released (that would cost a round): an equivocated ρ_j
 * gives honest players different δ; their shares then carry masks h·δ_i⁻¹·d_i + e_i with
 * different coefficients, which do not cancel, so the opened value is uniformly random and
 * nothing leaks (the same argument as for the message-dependent mask, §2.4); the echo in round 2
 * then aborts the run (ECHO_MISMATCH).
 *
 * Re-randomisation (§2.6, Groth–Shoup ePrint 2021/1330) when ε ≠ 0:
 *   δ = hash_to_field(y' ‖ ε ‖ h ‖ R ‖ presignature id ‖ session id ‖ ρ_1 ‖ … ‖ ρ_n)   (length-prefixed, B1)
 *   R' = δ·R,  α' = α·δ⁻¹,  β' = (β + c·ε)·δ⁻¹   — so s = k'⁻¹·(h + r'·(x + ε)) with k' = δ·k.
 * With ε = 0 the presignature is used as is (R' = R): see the spec for this choice.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { lengthPrefixed } from '../../math/transcript.js';
import { bigintToBytes, bytesToBigint } from './curve.js';
import { decodeSignContext, encodeSignatureShare } from './messages.js';
import { ECDSA_HM_SIGN_PROTOCOL } from './params.js';
import type { PresignatureSecrets } from './presignature.js';
import type { SignContext } from './sign-context.js';
import { SignRound2, type EcdsaSignature } from './sign-round2.js';

export class SignRound1 implements Round<EcdsaSignature> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly rho = new Map<PartyId, Uint8Array>();
  private readonly checked = new Map<PartyId, Uint8Array>();

  constructor(
    private readonly ctx: SignContext,
    private secrets: PresignatureSecrets | undefined,
    ownRho: Uint8Array,
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.rho.set(ctx.self, ownRho);
  }

  verify(msg: InboundMessage): void {
    this.checked.set(msg.from, decodeSignContext(msg.payload, this.ctx.contextHash));
  }

  store(msg: InboundMessage): void {
    this.rho.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }

  finalize(): RoundOutput<EcdsaSignature> {
    const { ctx } = this;
    const c = ctx.key.curve;
    const Fn = c.Fn;
    const sec = this.secrets!;
    this.secrets = undefined;
    const pre = ctx.presignature;
    let alpha = sec.alpha;
    let beta = sec.beta;
    let r = pre.r;
    // The nonce point R (or R'): its y parity gives the recovery id, its x whether x ≥ q.
    let nonce = { odd: pre.R[0] === 0x03, x: bytesToBigint(pre.R.subarray(1)) };
    if (ctx.tweak !== 0n) {
      const input = lengthPrefixed([
        ctx.publicKeyBytes,
        bigintToBytes(ctx.tweak),
        bigintToBytes(ctx.h),
        pre.R,
        pre.id,
        ctx.sessionId,
        ...ctx.players.map((p) => this.rho.get(p)!),
      ]);
      const delta = c.suite.hashToScalar(input, `${ECDSA_HM_SIGN_PROTOCOL}/rerandomize`);
      if (delta === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'the re-randomisation factor is zero');
      const Rp = ctx.arith.mul(c, c.decodePoint(pre.R), delta).toAffine(); // δ and R are public
      nonce = { odd: (Rp.y & 1n) === 1n, x: Rp.x };
      r = Fn.create(Rp.x);
      if (r === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'r = x(R\') mod q is zero');
      const inv = Fn.inv(delta);
      alpha = Fn.mul(alpha, inv);
      beta = Fn.mul(Fn.add(beta, Fn.mul(sec.c, ctx.tweak)), inv);
    }
    // §2.4: s_i = h·α_i + r·β_i + e_i, a degree-2t share of k⁻¹·(h + r·x).
    const s = Fn.add(Fn.add(Fn.mul(ctx.h, alpha), Fn.mul(r, beta)), sec.e);
    this.rho.clear();
    return { out: [{ to: 'all', payload: encodeSignatureShare(s) }], next: new SignRound2(ctx, r, nonce, s) };
  }
}
