/**
 * DKG round 3 (OpenTSM addition, protocols.md §4.2 "same view", checklist D5): every party
 * broadcasts the hash of the complete public output; we finish only if every party's hash equals
 * ours, so all parties that finish hold byte-identical public data.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../engine/round.js';
import { equalBytes } from '../../math/bytes.js';
import type { KeyShare } from '../key-share.js';
import { decodeRound3 } from './messages.js';

export class DkgRound3 implements Round<KeyShare> {
  readonly number = 3;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[] = [];

  constructor(
    private readonly key: KeyShare,
    private readonly outputHash: Uint8Array,
    others: readonly PartyId[],
  ) {
    this.expectsBroadcastFrom = others;
  }

  verify(msg: InboundMessage): void {
    const h = decodeRound3(msg.payload);
    if (!equalBytes(h, this.outputHash))
      throw new ProtocolError(ErrorCode.PUBLIC_OUTPUT_MISMATCH, `party ${msg.from} confirmed a different public output`);
  }

  store(_msg: InboundMessage): void {
    // Nothing to keep: the confirmation equals our own hash.
  }

  finalize(): RoundOutput<KeyShare> {
    return { out: [], result: this.key };
  }
}
