/**
 * `ecdsa-hm-sign/v2` round 2: consumes every other player's signature shares (one per item),
 * opens s of every item and outputs the verified signatures (protocols.md §2.4).
 *
 * For every item:
 *   s = Open_2t(s_1..s_n) = Σ λ_j·s_j ;  abort if s = 0 ;  low-s: if s > q/2 then s = q − s
 *   VERIFY (r, s) on h under y' = y + ε·G — abort if it fails (checklist F1)
 *   recovery id = parity of y(u1·G + u2·y') of the final (r, s) (the verification point).
 * All or nothing: the signatures are output only when every item verified; one failing item
 * aborts the whole run and no signature of it is output.
 *
 * Checks (security-checklist.md):
 * - B3: exactly m shares (MALFORMED_MESSAGE), each a canonical scalar < q — INVALID_SCALAR,
 *   culprit = sender.
 * - A3: the echo of the round-1 broadcasts carried by each share (engine, ECHO_MISMATCH).
 * - F1: a wrong s_j (degree 2t: no redundancy, §2.5) makes the final verification fail —
 *   INVALID_SIGNATURE, no culprit (shares cannot be verified individually in the basic
 *   protocol; a cheater may learn the valid signature, honest players output nothing: no
 *   fairness). The signature is verified by every player before it is output.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { encodeSignature } from './curve.js';
import { openingCode, openScalar } from './exponent.js';
import { decodeSignatureShares } from './messages.js';
import type { SignContext } from './sign-context.js';

/** Output of a signing session. */
export interface EcdsaSignature {
  /** r ‖ s (32 bytes each, big-endian), low s — the scheme's 64-byte signature format. */
  readonly signature: Uint8Array;
  /** The same signature, ASN.1 DER encoded. */
  readonly der: Uint8Array;
  /** Recovery id: parity of the nonce point's y (Ethereum v = 27 + recoveryId). */
  readonly recoveryId: 0 | 1;
  /** The key the signature verifies under: 33-byte compressed y, or y + ε·G with a tweak. */
  readonly publicKey: Uint8Array;
}

/** This player's share of one item, with the item's r = x(R') mod q and nonce point (round 1). */
export interface ItemShare {
  readonly r: bigint;
  /** The nonce point R of the presignature (R' with a tweak): x and y parity. */
  readonly nonce: { readonly x: bigint; readonly odd: boolean };
  /** s_i. */
  readonly s: bigint;
}

export class SignRound2<Out> implements Round<Out> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly checked = new Map<PartyId, bigint[]>();
  private readonly shares = new Map<PartyId, readonly bigint[]>();

  constructor(
    private readonly ctx: SignContext,
    /** Our share of every item (item order). */
    private readonly own: readonly ItemShare[],
    private readonly output: (signatures: EcdsaSignature[]) => Out,
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.shares.set(ctx.self, own.map((x) => x.s));
  }

  verify(msg: InboundMessage): void {
    this.checked.set(msg.from, decodeSignatureShares(this.ctx.key.curve, msg.payload, this.ctx.items.length));
  }

  store(msg: InboundMessage): void {
    this.shares.set(msg.from, this.checked.get(msg.from)!);
    this.checked.delete(msg.from);
  }

  finalize(): RoundOutput<Out> {
    const { ctx } = this;
    const c = ctx.key.curve;
    const code = openingCode(c, ctx.players, 2 * ctx.key.t);
    const batch = ctx.items.length > 1;
    const signatures = ctx.items.map((item, j): EcdsaSignature => {
      const fail = (err: ErrorCode, why: string) => new ProtocolError(err, batch ? `item ${j}: ${why}` : why);
      const { r, nonce } = this.own[j]!;
      let s = openScalar(
        c,
        code,
        ctx.players.map((p) => this.shares.get(p)![j]!),
      );
      if (s === 0n) throw fail(ErrorCode.ZERO_SCALAR, 'the opened s is zero');
      // Low-s normalisation: (r, q − s) is the signature of nonce point −R, whose y parity is flipped.
      const flipped = s > c.halfQ;
      if (flipped) s = c.q - s;
      const { signature, der } = encodeSignature(c, r, s);
      // Verified under y + ε·G (noble: with y's precomputed table; see arithmetic.ts).
      const ok = ctx.arith.verify(c, {
        groupKey: ctx.key.verificationKey(),
        tweak: item.tweak,
        publicKey: item.publicKeyBytes,
        publicKeyPoint: item.publicKey,
        message: item.message,
        h: item.h,
        r,
        s,
        der,
      });
      if (!ok) throw fail(ErrorCode.INVALID_SIGNATURE, 'the combined signature does not verify (a signature share was wrong)');
      // A valid signature's verification point u1·G + u2·y' is ±R (the sign of s): its y parity is the recovery id.
      // x(R) ≥ q would need recovery id 2 or 3 (probability < 2^-125 on both curves): refuse it.
      if (nonce.x >= c.q) throw fail(ErrorCode.INVALID_SIGNATURE, 'the nonce x-coordinate exceeds the group order (no 0/1 recovery id); sign again with another presignature');
      const recoveryId = nonce.odd !== flipped ? 1 : 0;
      return { signature, der, recoveryId, publicKey: item.publicKeyBytes };
    });
    return { out: [], result: this.output(signatures) };
  }
}
