/** State shared by the rounds of one DKG run (one party). */
import type { PartyId } from '../../errors.js';
import type { Round1Message } from './messages.js';
import type { DkgConfig } from './params.js';

export interface DkgState {
  readonly cfg: DkgConfig;
  /** a_i0 … a_i,k−1. SECRET; dropped once the round-2 shares are computed. */
  coefficients: bigint[] | undefined;
  /** Our chain-code contribution cc_i (revealed in round 2). */
  readonly chainCode: Uint8Array;
  /** Verified round-1 broadcasts by party, our own included. */
  readonly round1: Map<PartyId, Round1Message>;
  /** f_i(i). SECRET. */
  ownShare: bigint | undefined;
}
