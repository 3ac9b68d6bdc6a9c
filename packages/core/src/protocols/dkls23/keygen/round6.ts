/**
 * Key generation / OT refresh, round 6: every party's confirmation must equal ours
 * (PUBLIC_OUTPUT_MISMATCH otherwise); then the key share is output.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { equalBytes } from '../../../math/bytes.js';
import type { DklsKeyShare } from '../key-share.js';
import { decodeHash } from './messages.js';

export class KeygenRound6 implements Round<DklsKeyShare> {
  readonly number = 6;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];

  constructor(
    private readonly key: DklsKeyShare,
    private readonly confirm: Uint8Array,
    others: readonly PartyId[],
  ) {
    this.expectsBroadcastFrom = others;
  }

  verify(msg: InboundMessage): void {
    if (!equalBytes(decodeHash(msg.payload), this.confirm))
      throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} confirmed a different key or OT setup`);
  }

  store(_msg: InboundMessage): void {
    // Nothing to keep.
  }

  finalize(): RoundOutput<DklsKeyShare> {
    return { out: [], result: this.key };
  }
}
