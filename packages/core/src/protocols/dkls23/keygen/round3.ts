/**
 * Key generation / OT refresh, round 3: keygen — the DKG's public-output confirmation (D5,
 * PUBLIC_OUTPUT_MISMATCH); VSOT step D as base-OT receiver for (j → self): answer the challenges
 * ξ with ρ'_l = H(H(k^{Δ_l}_l)) ⊕ Δ_l·ξ_l.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, OutboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { vsotReceiverResponse } from '../base-ot.js';
import type { DklsKeyShare } from '../key-share.js';
import { KeygenRound4 } from './round4.js';
import type { KeygenState } from './state.js';

export class KeygenRound3 implements Round<DklsKeyShare> {
  readonly number = 3;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly rho = new Map<PartyId, Uint8Array>();

  constructor(private readonly state: KeygenState) {
    this.expectsBroadcastFrom = state.cfg.mode === 'keygen' ? state.cfg.others : [];
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    if (msg.kind === 'broadcast') {
      this.state.dkg!.verify(msg);
      return;
    }
    this.rho.set(msg.from, vsotReceiverResponse(this.state.cfg.prims, this.state.receivers.get(msg.from)!, msg.payload));
  }

  store(msg: InboundMessage): void {
    if (msg.kind === 'broadcast') this.state.dkg!.store(msg);
  }

  finalize(): RoundOutput<DklsKeyShare> {
    const { state } = this;
    if (state.cfg.mode === 'keygen') {
      const o = state.dkg!.finalize();
      if (!('result' in o)) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'protocol bug: DKG did not finish');
      state.share = o.result;
      state.dkg = undefined;
    }
    const out: OutboundMessage[] = state.cfg.others.map((j) => ({ to: j, payload: this.rho.get(j)! }));
    this.rho.clear();
    return { out, next: new KeygenRound4(state) };
  }
}
