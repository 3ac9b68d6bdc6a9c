/**
 * DKG round 3 (OpenTSM addition, protocols.md §4.2 "same view", checklist D5): every party
 * broadcasts the hash of the complete public output; we finish only if every party's hash equals
 * ours, so all parties that finish hold byte-identical public data (../confirmation-round.ts).
 */
import type { PartyId } from '../../errors.js';
import { ConfirmationRound } from '../confirmation-round.js';
import type { KeyShare } from '../key-share.js';

export class DkgRound3 extends ConfirmationRound<KeyShare> {
  constructor(key: KeyShare, outputHash: Uint8Array, others: readonly PartyId[]) {
    super(3, others, outputHash, key, 'public output');
  }
}
