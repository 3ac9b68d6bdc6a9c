/**
 * `frost-sign/v1` round 1: consumes every other signer's commitment broadcast (RFC 9591 §5.1
 * outputs), then signs (§5.2) and broadcasts the signature share.
 *
 * Checks on each commitment message (security-checklist.md):
 * - B3/C1: D_j and E_j deserialize (canonical, on the curve, prime-order subgroup, not the
 *   identity) — INVALID_POINT, culprit = sender. Payload length exact — MALFORMED_MESSAGE.
 * - A2/G2: the context hash equals ours (same scheme, key package, signer set, message, session)
 *   — INVALID_COMMITMENT_LIST, culprit = sender. This aborts a run in which one signer was given
 *   a different message before anyone releases a share.
 * - A1/A5 (sender, duplicates, round) are enforced by the engine's Session; A3 (everyone saw the
 *   same commitments, including ours exactly as we sent it) by the echo carried in round 2.
 */
import type { PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { equalBytes } from '../../math/bytes.js';
import type { SignContext } from './context.js';
import { contextMismatch, decodeCommitmentPayload, encodeSharePayload } from './messages.js';
import { decodeCommitment, type DecodedCommitment, type SigningNonces } from './nonces.js';
import { signShare } from './sign.js';
import { SigningPackage } from './signing-package.js';
import { FrostSignRound2, type FrostSignResult } from './round2.js';

export class FrostSignRound1 implements Round<FrostSignResult> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  /** Decoded by `verify`, kept by `store` (each point is decoded exactly once). */
  private readonly checked = new Map<PartyId, DecodedCommitment>();
  private readonly stored = new Map<PartyId, DecodedCommitment>();

  constructor(
    private readonly ctx: SignContext,
    private readonly nonces: SigningNonces,
  ) {
    this.expectsBroadcastFrom = ctx.peers;
  }

  verify(msg: InboundMessage): void {
    const cs = this.ctx.key.cs;
    const p = decodeCommitmentPayload(cs.suite, msg.payload);
    if (!equalBytes(p.context, this.ctx.contextHash)) throw contextMismatch();
    this.checked.set(msg.from, decodeCommitment(cs, { id: msg.from, hiding: p.hiding, binding: p.binding }));
  }

  store(msg: InboundMessage): void {
    const c = this.checked.get(msg.from)!;
    this.checked.delete(msg.from);
    this.stored.set(msg.from, c);
  }

  finalize(): RoundOutput<FrostSignResult> {
    const { ctx, nonces } = this;
    // RFC 9591 §4.3: the commitment list sorted by identifier (ctx.signers is ascending).
    const list = ctx.signers.map((id) => (id === ctx.self ? nonces.commitment : this.stored.get(id)!));
    let pkg: SigningPackage;
    try {
      pkg = SigningPackage.create(ctx.key, ctx.message, list, nonces);
    } catch (e) {
      nonces.erase();
      throw e;
    }
    const z = signShare(ctx.share, nonces, pkg); // consumes the nonces (G1)
    return { out: [{ to: 'all', payload: encodeSharePayload(z) }], next: new FrostSignRound2(ctx, pkg, z) };
  }
}
