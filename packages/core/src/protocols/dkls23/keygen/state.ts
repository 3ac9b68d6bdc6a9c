/** State shared by the rounds of one DKLs23 key generation / OT refresh (one party). */
import type { PartyId } from '../../../errors.js';
import type { Round } from '../../../engine/round.js';
import type { KeyShare } from '../../key-share.js';
import type { VsotReceiver, VsotSender } from '../base-ot.js';
import type { KeygenConfig } from './config.js';

export interface KeygenState {
  readonly cfg: KeygenConfig;
  /** Base OTs in which we are the sender (toward each peer). */
  readonly senders: Map<PartyId, VsotSender>;
  /** Base OTs in which we are the receiver (from each peer). */
  readonly receivers: Map<PartyId, VsotReceiver>;
  /** Our 32-byte zero-seed contribution per peer (revealed in round 2). SECRET. */
  readonly zeroContrib: Map<PartyId, Uint8Array>;
  /** The peers' commitments to their contributions (round 1). */
  readonly zeroCommit: Map<PartyId, Uint8Array>;
  /** Joint zero-share seeds per peer. SECRET. */
  readonly zeroSeed: Map<PartyId, Uint8Array>;
  /** keygen: the DKG round currently running inside ours. */
  dkg: Round<KeyShare> | undefined;
  /** The Shamir key share (DKG output, or the refreshed key). */
  share: KeyShare | undefined;
}
