/**
 * `dkls23-sign/v1` start and round 1. Paper: DKLs23 Protocol 3.6 (signing, realising the ECDSA
 * Functionality 3.1), Round 1 and Round 2 — numbering as cited by the reference implementations;
 * the steps follow dkls23.md §C.4, which restates them.
 *
 * Start (Protocol 3.6 Round 1): the OT-session guard is consulted for every OT extension of the run (§B.1; refusal:
 * DKLS_OT_SESSION_REUSED, nothing sent). r_i, φ_i ← Z_q, R_i = r_i·G, com_i = H(ctx, i, R_i, salt_i)
 * (broadcast with the context hash). For every peer j, as OT-extension receiver (Bob) of the
 * RVOLE (j → i): χ_ij and the OT-extension message (ot-extension.ts, rvole.ts step 1), sent to j.
 *
 * Round 1 (on receipt; then Protocol 3.6 Round 2 in finalize): the context hash must equal ours (DKLS_CONTEXT_MISMATCH, culprit the
 * sender, no ban); as OT-extension sender (Alice) for (i → j): the consistency check runs HERE,
 * on receipt, before anything of round 2 is computed or sent (§B.2) — failure:
 * DKLS_OT_EXTENSION_CHECK_FAILED, culprit j, ban.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../../errors.js';
import type { InboundMessage, OutboundMessage, ProtocolStart, Round, RoundOutput } from '../../../engine/round.js';
import { randomBytes } from '../../../math/bytes.js';
import { oteReceive, oteSend } from '../ot-extension.js';
import { rvoleChi, rvoleSend } from '../rvole.js';
import { zeroShare } from '../zero-share.js';
import type { SignContext } from './context.js';
import { decodeR1Broadcast, decodeR1Direct, encodeR1Broadcast, encodeR2Broadcast, encodeR2Direct, nonceCommitment } from './messages.js';
import { DklsSignRound2 } from './round2.js';
import { eraseSignState, type SignState } from './state.js';
import type { EcdsaSignature } from '../signature.js';

export function startSign(ctx: SignContext): ProtocolStart<EcdsaSignature> {
  const { suite, prims } = ctx;
  // §B.1: refuse before anything leaves if an OT-extension id of this run was seen before.
  for (const j of ctx.peers) {
    const pair = ctx.pairs.get(j)!;
    for (const sid of [pair.sidAsSender, pair.sidAsReceiver]) {
      let fresh: boolean;
      try {
        fresh = ctx.guard(j, sid) === true;
      } catch {
        // A guard that cannot answer (storage error) refuses: never run an unrecorded extension.
        throw new ProtocolError(ErrorCode.DKLS_OT_SESSION_REUSED, `OT-session guard failed for party ${j}: refusing`);
      }
      if (!fresh) throw new ProtocolError(ErrorCode.DKLS_OT_SESSION_REUSED, `OT-extension session with party ${j} was already used: refusing (never reuse a signing session id)`);
    }
  }
  const r = suite.randomScalar();
  const phi = suite.randomScalar();
  const R = suite.G.multiply(r);
  const Rbytes = suite.encodePoint(R);
  const salt = randomBytes(32);
  const com = nonceCommitment(prims, ctx.contextHash, ctx.self, Rbytes, salt);
  const state: SignState = {
    ctx,
    r,
    phi,
    R,
    Rbytes,
    salt,
    bob: new Map(),
    peerCom: new Map(),
    qCols: new Map(),
    sk: 0n,
    pk: undefined,
    c: new Map(),
    peerR2: new Map(),
    peerDirect: new Map(),
    d: new Map(),
  };
  const out: OutboundMessage[] = [{ to: 'all', payload: encodeR1Broadcast(ctx.contextHash, com) }];
  for (const j of ctx.peers) {
    const pair = ctx.pairs.get(j)!;
    const ote = oteReceive(prims, pair.sidAsReceiver, pair.setup.seeds0, pair.setup.seeds1);
    state.bob.set(j, { beta: ote.beta, tCols: ote.tCols, chi: rvoleChi(suite, pair.gAsReceiver, ote.beta) });
    out.push({ to: j, payload: ote.message });
  }
  return { out, next: new DklsSignRound1(state) };
}

export class DklsSignRound1 implements Round<EcdsaSignature> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];

  constructor(private readonly state: SignState) {
    this.expectsBroadcastFrom = state.ctx.peers;
    this.expectsDirectFrom = state.ctx.peers;
  }

  verify(msg: InboundMessage): void {
    const { ctx } = this.state;
    if (msg.kind === 'broadcast') {
      this.state.peerCom.set(msg.from, decodeR1Broadcast(msg.payload, ctx.contextHash));
      return;
    }
    const pair = ctx.pairs.get(msg.from)!;
    // §C.2: Alice's consistency check, before any round-2 value exists.
    this.state.qCols.set(msg.from, oteSend(ctx.prims, pair.sidAsSender, pair.setup.delta, pair.setup.seedsDelta, decodeR1Direct(msg.payload)));
  }

  store(_msg: InboundMessage): void {
    // Kept by verify.
  }

  finalize(): RoundOutput<EcdsaSignature> {
    const { state } = this;
    const { ctx } = state;
    const { suite, prims } = ctx;
    const q = suite.order;
    // sk_i = λ_i·(s_i + ε) + ζ_i; Σ_{i∈S} sk_i = x + ε. pk_i = sk_i·G.
    const seeds = new Map(ctx.peers.map((j) => [j, ctx.pairs.get(j)!.setup.zeroSeed] as const));
    const zeta = zeroShare(prims, suite, ctx.self, seeds, ctx.contextHash);
    state.sk = (ctx.lambda * ((ctx.share + ctx.tweak) % q) + zeta) % q;
    if (state.sk === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'degenerate key share for this signer set');
    state.pk = suite.G.multiply(state.sk);
    const out: OutboundMessage[] = [{ to: 'all', payload: encodeR2Broadcast(state.Rbytes, state.salt, suite.encodePoint(state.pk)) }];
    for (const j of ctx.peers) {
      const pair = ctx.pairs.get(j)!;
      // RVOLE (i → j), Alice with inputs (r_i, sk_i): c^u_ij, c^v_ij and the payload.
      const res = rvoleSend(prims, suite, pair.sidAsSender, pair.gAsSender, state.qCols.get(j)!, pair.setup.delta, state.r, state.sk);
      state.qCols.get(j)!.fill(0);
      state.qCols.delete(j);
      state.c.set(j, { u: res.c1, v: res.c2 });
      const gu = suite.encodePoint(suite.G.multiply(res.c1));
      const gv = suite.encodePoint(suite.G.multiply(res.c2));
      // ψ_ij = φ_i − χ_ij (χ_ij from our receiver side of the RVOLE (j → i)).
      const psi = (state.phi - state.bob.get(j)!.chi + q) % q;
      out.push({ to: j, payload: encodeR2Direct(gu, gv, suite.encodeScalar(psi), res.payload) });
    }
    return { out, next: new DklsSignRound2(state) };
  }

  /** Session ended in this round (abort): erase r_i, φ_i, sk_i, the OT-extension columns. */
  dispose(): void {
    eraseSignState(this.state);
  }
}
