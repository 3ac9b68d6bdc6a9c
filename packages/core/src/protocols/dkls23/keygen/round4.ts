/**
 * Key generation / OT refresh, round 4: VSOT as base-OT sender for (self → j): check the
 * responses ρ'_l = H(H(k⁰_l)) (DKLS_BASE_OT_FAILED, culprit j), then open (step E).
 */
import type { PartyId } from '../../../errors.js';
import type { InboundMessage, OutboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { vsotSenderOpen } from '../base-ot.js';
import type { DklsKeyShare } from '../key-share.js';
import { KeygenRound5 } from './round5.js';
import type { KeygenState } from './state.js';

export class KeygenRound4 implements Round<DklsKeyShare> {
  readonly number = 4;
  readonly expectsBroadcastFrom: readonly PartyId[] = [];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly openings = new Map<PartyId, Uint8Array>();

  constructor(private readonly state: KeygenState) {
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    this.openings.set(msg.from, vsotSenderOpen(this.state.cfg.prims, this.state.senders.get(msg.from)!, msg.payload));
  }

  store(_msg: InboundMessage): void {
    // Kept by verify.
  }

  finalize(): RoundOutput<DklsKeyShare> {
    const out: OutboundMessage[] = this.state.cfg.others.map((j) => ({ to: j, payload: this.openings.get(j)! }));
    this.openings.clear();
    return { out, next: new KeygenRound5(this.state) };
  }
}
