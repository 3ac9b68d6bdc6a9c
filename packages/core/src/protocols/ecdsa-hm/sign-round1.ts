/**
 * `ecdsa-hm-sign/v2` round 1: consumes every other player's (context hash, ρ_j) broadcast, then
 * computes and broadcasts the signature share of every item (protocols.md §2.4, with the §2.6
 * re-randomisation for each item that uses a tweak).
 *
 * Checks before any share is computed (security-checklist.md, protocols.md §2.6):
 * - every player's context hash equals ours: all players sign the same items (h, ε and
 *   presignature of each, in the same order) with the same key, player set and session —
 *   CONTEXT_MISMATCH, culprit = sender. A player fed a different message for any item therefore
 *   makes every honest player abort before any s_i leaves (split-view rule of §2.6).
 * - exact payload length — MALFORMED_MESSAGE.
 * The ρ_j are not echoed before s_i is released (that would cost a round): an equivocated ρ_j
 * gives honest players different δ; their shares then carry masks h·δ_i⁻¹·d_i + e_i with
 * different coefficients, which do not cancel, so the opened value is uniformly random and
 * nothing leaks (the same argument as for the message-dependent mask, §2.4); the echo in round 2
 * then aborts the run (ECHO_MISMATCH).
 *
 * Re-randomisation (§2.6, Groth–Shoup ePrint 2021/1330) of item j when ε_j ≠ 0:
 *   δ_j = hash_to_field(y'_j ‖ ε_j ‖ h_j ‖ R_j ‖ presignature id_j ‖ session id ‖ ρ_1 ‖ … ‖ ρ_n)   (length-prefixed, B1)
 *   R' = δ·R,  α' = α·δ⁻¹,  β' = (β + c·ε)·δ⁻¹   — so s = k'⁻¹·(h + r'·(x + ε)) with k' = δ·k.
 * One ρ_i per player for the whole run; the presignature id makes δ differ between items.
 * With ε = 0 the presignature is used as is (R' = R): see the spec for this choice.
 */
import { decodeCompressedPoint } from './arithmetic.js';
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { lengthPrefixed } from '../../math/transcript.js';
import { bigintToBytes, bytesToBigint } from './curve.js';
import { decodeSignContext, encodeSignatureShares } from './messages.js';
import { ECDSA_HM_SIGN_PROTOCOL } from './params.js';
import type { PresignatureSecrets } from './presignature.js';
import type { SignContext, SignItem } from './sign-context.js';
import { SignRound2, type EcdsaSignature, type ItemShare } from './sign-round2.js';

export class SignRound1<Out> implements Round<Out> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly rho = new Map<PartyId, Uint8Array>();
  private readonly checked = new Map<PartyId, Uint8Array>();

  constructor(
    private readonly ctx: SignContext,
    /** The presignature secrets of the items, in item order. */
    private secrets: readonly PresignatureSecrets[] | undefined,
    ownRho: Uint8Array,
    /** Maps the signatures (item order) to the session's output. */
    private readonly output: (signatures: EcdsaSignature[]) => Out,
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

  finalize(): RoundOutput<Out> {
    const { ctx } = this;
    const secrets = this.secrets!;
    this.secrets = undefined;
    const rhos = ctx.players.map((p) => this.rho.get(p)!);
    const shares = ctx.items.map((item, j) => signatureShare(ctx, item, secrets[j]!, rhos));
    this.rho.clear();
    return { out: [{ to: 'all', payload: encodeSignatureShares(shares.map((x) => x.s)) }], next: new SignRound2(ctx, shares, this.output) };
  }

  /** Session ended in this round (abort): drop the presignature secrets of every item. */
  dispose(): void {
    this.secrets = undefined;
  }
}

/** §2.4 (and §2.6 with a tweak): this player's share s_i of one item, with its r and nonce point. */
function signatureShare(ctx: SignContext, item: SignItem, sec: PresignatureSecrets, rhos: readonly Uint8Array[]): ItemShare {
  const c = ctx.key.curve;
  const Fn = c.Fn;
  const pre = item.presignature;
  let alpha = sec.alpha;
  let beta = sec.beta;
  let r = pre.r;
  // The nonce point R (or R'): its y parity gives the recovery id, its x whether x ≥ q.
  let nonce = { odd: pre.R[0] === 0x03, x: bytesToBigint(pre.R.subarray(1)) };
  if (item.tweak !== 0n) {
    const input = lengthPrefixed([item.publicKeyBytes, bigintToBytes(item.tweak), bigintToBytes(item.h), pre.R, pre.id, ctx.sessionId, ...rhos]);
    const delta = c.suite.hashToScalar(input, `${ECDSA_HM_SIGN_PROTOCOL}/rerandomize`);
    if (delta === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'the re-randomisation factor is zero');
    const Rp = ctx.arith.mul(c, decodeCompressedPoint(ctx.arith, c, pre.R), delta).toAffine(); // δ and R are public
    nonce = { odd: (Rp.y & 1n) === 1n, x: Rp.x };
    r = Fn.create(Rp.x);
    if (r === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'r = x(R\') mod q is zero');
    const inv = Fn.inv(delta);
    alpha = Fn.mul(alpha, inv);
    beta = Fn.mul(Fn.add(beta, Fn.mul(sec.c, item.tweak)), inv);
  }
  // §2.4: s_i = h·α_i + r·β_i + e_i, a degree-2t share of k⁻¹·(h + r·x).
  const s = Fn.add(Fn.add(Fn.mul(item.h, alpha), Fn.mul(r, beta)), sec.e);
  return { r, nonce, s };
}
