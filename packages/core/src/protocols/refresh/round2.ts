/**
 * Last round of refresh and reshare (OpenTSM addition, like the DKG's round 3; protocols.md §4.2
 * "same view", §4.3–4.4 "after all parties confirm", checklist D5/D6): every player broadcasts
 * the hash of the complete new public key package (confirmationHash: scheme, threshold, parties,
 * group key, every new verifying share, chain code, new epoch, Taproot internal key, bound to the
 * session id). A player outputs only if every other player's hash equals its own, so all players
 * that finish hold byte-identical public data. The engine also compares, in this round, every
 * player's echo of the round-1 broadcasts with ours (A3).
 *
 * The round cannot be fair: a player whose peers' confirmations all arrived finishes even if a
 * peer aborts afterwards. The caller therefore keeps new shares pending until every player has
 * reported success (the cluster's two-phase commit) and deletes old shares only then.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { equalBytes } from '../../math/bytes.js';
import { decodeConfirmation } from './messages.js';

export class ConfirmationRound<Out> implements Round<Out> {
  readonly expectsDirectFrom: readonly PartyId[] = [];

  constructor(
    readonly number: number,
    readonly expectsBroadcastFrom: readonly PartyId[],
    private readonly hash: Uint8Array,
    private readonly output: Out,
  ) {}

  verify(msg: InboundMessage): void {
    if (!equalBytes(decodeConfirmation(msg.payload), this.hash))
      throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} confirmed a different new key package`);
  }

  store(_msg: InboundMessage): void {
    // Nothing to keep: the confirmation equals our own hash.
  }

  finalize(): RoundOutput<Out> {
    return { out: [], result: this.output };
  }
}
