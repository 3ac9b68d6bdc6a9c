/**
 * Key generation / OT refresh, start and round 1.
 *
 * Start: keygen — DKG round 1 (Pedersen DKG with PoK, protocols/dkg: Shamir shares p(i), PK;
 * dkls23.md §C.1 step 4); broadcast its payload. refresh — broadcast the digest of the key's
 * public data. To every peer j, directly: VSOT step A as base-OT sender for the pair (self → j)
 * (dkls23.md §C.1 step 1, base-ot.ts) and a commitment to our zero-seed contribution for the pair
 * (§C.1 step 3, commit-then-reveal).
 *
 * Round 1 (on receipt): the DKG round-1 checks (D2, C1, B3, D4) or the key-digest comparison
 * (DKLS_CONTEXT_MISMATCH); VSOT step B as base-OT receiver for (j → self): the PoK of j's B is
 * checked (DKLS_BASE_OT_FAILED, culprit j), Δ and the 256 points A_l are chosen.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from '../../../engine/round.js';
import { equalBytes, randomBytes } from '../../../math/bytes.js';
import { startDkg } from '../../dkg/round1.js';
import { vsotReceiverStep, vsotSenderStart } from '../base-ot.js';
import type { DklsKeyShare } from '../key-share.js';
import { vsotSid, type KeygenConfig } from './config.js';
import { decodeHash, decodeRound1Direct, encodeRound1Direct, encodeRound2Direct, zeroSeedCommitment } from './messages.js';
import { KeygenRound2 } from './round2.js';
import type { KeygenState } from './state.js';

export function startKeygen(cfg: KeygenConfig): ProtocolStart<DklsKeyShare> {
  const state: KeygenState = {
    cfg,
    senders: new Map(),
    receivers: new Map(),
    zeroContrib: new Map(),
    zeroCommit: new Map(),
    zeroSeed: new Map(),
    dkg: undefined,
    share: cfg.key,
  };
  const out: OutboundMessage[] = [];
  if (cfg.mode === 'keygen') {
    const dkg = startDkg(cfg.dkg!);
    if (!('next' in dkg)) throw new Error('protocol bug: DKG finished at start');
    state.dkg = dkg.next;
    out.push(...dkg.out);
  } else {
    out.push({ to: 'all', payload: cfg.keyDigest! });
  }
  for (const j of cfg.others) {
    const { state: s, message } = vsotSenderStart(vsotSid(cfg, cfg.self, j));
    state.senders.set(j, s);
    const contrib = randomBytes(32);
    state.zeroContrib.set(j, contrib);
    out.push({ to: j, payload: encodeRound1Direct(message, zeroSeedCommitment(cfg.prims, cfg.setupId, cfg.self, j, contrib)) });
  }
  return { out, next: new KeygenRound1(state) };
}

export class KeygenRound1 implements Round<DklsKeyShare> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly vsotB = new Map<PartyId, Uint8Array>();

  constructor(private readonly state: KeygenState) {
    this.expectsBroadcastFrom = state.cfg.others;
    this.expectsDirectFrom = state.cfg.others;
  }

  verify(msg: InboundMessage): void {
    const { cfg } = this.state;
    if (msg.kind === 'broadcast') {
      if (cfg.mode === 'keygen') this.state.dkg!.verify(msg);
      else if (!equalBytes(decodeHash(msg.payload), cfg.keyDigest!))
        throw new ProtocolError(ErrorCode.DKLS_CONTEXT_MISMATCH, `party ${msg.from} refreshes a different key or participant set`);
      return;
    }
    const { vsotA, zeroCommit } = decodeRound1Direct(msg.payload);
    const { state: r, message } = vsotReceiverStep(cfg.prims, vsotSid(cfg, msg.from, cfg.self), vsotA);
    this.state.receivers.set(msg.from, r);
    this.state.zeroCommit.set(msg.from, zeroCommit);
    this.vsotB.set(msg.from, message);
  }

  store(msg: InboundMessage): void {
    if (msg.kind === 'broadcast' && this.state.cfg.mode === 'keygen') this.state.dkg!.store(msg);
  }

  finalize(): RoundOutput<DklsKeyShare> {
    const { state } = this;
    const { cfg } = state;
    const dkgDirect = new Map<PartyId, Uint8Array>();
    if (cfg.mode === 'keygen') {
      const o = state.dkg!.finalize();
      if (!('next' in o)) throw new Error('protocol bug: DKG finished after round 1');
      for (const m of o.out) {
        if (m.to === 'all') throw new Error('protocol bug: unexpected DKG broadcast in round 2');
        dkgDirect.set(m.to, m.payload);
      }
      state.dkg = o.next;
    }
    const out: OutboundMessage[] = cfg.others.map((j) => ({
      to: j,
      payload: encodeRound2Direct(dkgDirect.get(j) ?? new Uint8Array(0), this.vsotB.get(j)!, state.zeroContrib.get(j)!),
    }));
    this.vsotB.clear();
    return { out, next: new KeygenRound2(state) };
  }
}
