/**
 * Key generation / OT refresh, round 2 (on receipt of every peer's direct message):
 * - keygen: DKG round-2 checks (B3, C2, D3 share against commitment — culprit the dealer, chain
 *   code reveal); refresh: the DKG part must be empty.
 * - zero-seed reveal against the round-1 commitment (DKLS_COMMITMENT_MISMATCH).
 * - VSOT as base-OT sender for (self → j): the 256 points A_l (C1: valid, non-identity) give the
 *   seeds k⁰_l, k¹_l, and the challenges ξ (step C).
 * Finalize: keygen — DKG output (s_i, PK, Y_j; D5 hash broadcast); the pair's zero-share seeds.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, OutboundMessage, Round, RoundOutput } from '../../../engine/round.js';
import { vsotSenderChallenge } from '../base-ot.js';
import type { DklsKeyShare } from '../key-share.js';
import { checkZeroSeedReveal, decodeRound2Direct, zeroSeed } from './messages.js';
import { KeygenRound3 } from './round3.js';
import type { KeygenState } from './state.js';

export class KeygenRound2 implements Round<DklsKeyShare> {
  readonly number = 2;
  readonly expectsBroadcastFrom: readonly PartyId[] = [];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly xi = new Map<PartyId, Uint8Array>();

  constructor(private readonly state: KeygenState) {
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    const { cfg } = this.state;
    const m = decodeRound2Direct(msg.payload);
    if (cfg.mode === 'keygen') this.state.dkg!.verify({ from: msg.from, kind: 'direct', payload: m.dkg });
    else if (m.dkg.length !== 0) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'unexpected DKG payload in an OT refresh');
    checkZeroSeedReveal(cfg.prims, cfg.setupId, msg.from, cfg.self, m.zeroContrib, this.state.zeroCommit.get(msg.from)!);
    this.xi.set(msg.from, vsotSenderChallenge(cfg.prims, this.state.senders.get(msg.from)!, m.vsotB));
    this.state.zeroSeed.set(msg.from, zeroSeed(cfg.prims, cfg.setupId, cfg.self, this.state.zeroContrib.get(msg.from)!, msg.from, m.zeroContrib));
  }

  store(msg: InboundMessage): void {
    if (this.state.cfg.mode === 'keygen') {
      const m = decodeRound2Direct(msg.payload);
      this.state.dkg!.store({ from: msg.from, kind: 'direct', payload: m.dkg });
    }
  }

  finalize(): RoundOutput<DklsKeyShare> {
    const { state } = this;
    const { cfg } = state;
    const out: OutboundMessage[] = [];
    if (cfg.mode === 'keygen') {
      const o = state.dkg!.finalize();
      if (!('next' in o)) throw new Error('protocol bug: DKG finished after round 2');
      out.push(...o.out); // the public-output hash broadcast (D5)
      state.dkg = o.next;
    }
    for (const c of state.zeroContrib.values()) c.fill(0);
    for (const j of cfg.others) out.push({ to: j, payload: this.xi.get(j)! });
    this.xi.clear();
    return { out, next: new KeygenRound3(state) };
  }
}
