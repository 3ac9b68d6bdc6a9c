/**
 * Key generation / OT refresh, round 5: VSOT as base-OT receiver for (j → self): check the
 * openings (DKLS_BASE_OT_FAILED, culprit j). Finalize: assemble the DklsKeyShare and broadcast
 * the confirmation hash, so that nobody finishes unless every party completed every pairwise
 * base OT.
 */
import type { PartyId } from '../../../errors.js';
import type { InboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { utf8ToBytes } from '../../../math/bytes.js';
import { ConfirmationRound } from '../../confirmation-round.js';
import { publicOutputHash } from '../../dkg/index.js';
import { vsotReceiverFinish } from '../base-ot.js';
import { makeDklsKeyShare, type DklsKeyShare, type DklsPeerSetup } from '../key-share.js';
import { TAG } from '../params.js';
import { keyDigest } from './config.js';
import type { KeygenState } from './state.js';

export class KeygenRound5 implements Round<DklsKeyShare> {
  readonly number = 5;
  readonly expectsBroadcastFrom: readonly PartyId[] = [];
  readonly expectsDirectFrom: readonly PartyId[];

  constructor(private readonly state: KeygenState) {
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    vsotReceiverFinish(this.state.cfg.prims, this.state.receivers.get(msg.from)!, msg.payload);
  }

  store(_msg: InboundMessage): void {
    // Nothing to keep.
  }

  finalize(): RoundOutput<DklsKeyShare> {
    const { state } = this;
    const { cfg } = state;
    const share = state.share!;
    const ot: Record<PartyId, DklsPeerSetup> = { ...(cfg.keptSetups ?? {}) };
    for (const j of cfg.others) {
      const s = state.senders.get(j)!;
      const r = state.receivers.get(j)!;
      ot[j] = { setupId: cfg.setupId, seeds0: s.seeds0!, seeds1: s.seeds1!, delta: r.delta, seedsDelta: r.seeds, zeroSeed: state.zeroSeed.get(j)! };
    }
    const key = makeDklsKeyShare(share, ot);
    const publicHash = cfg.mode === 'keygen' ? publicOutputHash(cfg.dkg!.sessionId, share) : keyDigest(cfg.prims, share, cfg.parties);
    const confirm = cfg.prims.hash(TAG.keygenConfirm, utf8ToBytes(cfg.protocol), cfg.setupId, publicHash);
    state.senders.clear();
    state.receivers.clear();
    return { out: [{ to: 'all', payload: confirm }], next: new ConfirmationRound(6, cfg.others, confirm, key, 'key or OT setup') };
  }
}
