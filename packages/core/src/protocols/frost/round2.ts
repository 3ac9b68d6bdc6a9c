/**
 * `frost-sign/v1` round 2: consumes every other signer's signature share, aggregates (RFC 9591
 * §5.3) and outputs the signature.
 *
 * Checks (security-checklist.md):
 * - B3: z_j is a canonical scalar < q — INVALID_SCALAR, culprit = sender (at the wire boundary).
 * - G3: every share verified individually against its verifying share (RFC 9591 §5.4) —
 *   INVALID_SIGNATURE_SHARE naming every bad signer.
 * - F1: the aggregate is verified with the suite's independent verifier before it is output —
 *   INVALID_SIGNATURE.
 * - A3: the engine compares the echo of round-1 broadcasts carried by each share message with
 *   our view (ECHO_MISMATCH), so all signers used the same commitment list.
 */
import type { PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import type { SignContext } from './context.js';
import { decodeSharePayload } from './messages.js';
import { aggregate } from './sign.js';
import type { SigningPackage } from './signing-package.js';

/** Output of a FROST signing session. */
export interface FrostSignResult {
  /** The signature (64 bytes Ed25519 / BIP340, 65 bytes secp256k1 / P-256). */
  readonly signature: Uint8Array;
  /** Public key in the scheme's external encoding (x-only for Taproot), as `suite.verify` takes it. */
  readonly publicKey: Uint8Array;
  /** The signers whose shares make up the signature. */
  readonly signers: readonly PartyId[];
}

export class FrostSignRound2 implements Round<FrostSignResult> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];
  private readonly shares = new Map<PartyId, Uint8Array>();

  constructor(
    private readonly ctx: SignContext,
    private readonly pkg: SigningPackage,
    ownShare: Uint8Array,
  ) {
    this.expectsBroadcastFrom = ctx.peers;
    this.shares.set(ctx.self, ownShare);
  }

  verify(msg: InboundMessage): void {
    decodeSharePayload(this.ctx.key.cs.suite, msg.payload);
  }

  store(msg: InboundMessage): void {
    this.shares.set(msg.from, decodeSharePayload(this.ctx.key.cs.suite, msg.payload));
  }

  finalize(): RoundOutput<FrostSignResult> {
    const signature = aggregate(this.pkg, this.shares, { self: this.ctx.self });
    return { out: [], result: { signature, publicKey: this.ctx.key.publicKey, signers: this.ctx.signers } };
  }
}
