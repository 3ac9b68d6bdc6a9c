/**
 * Misbehaving DKLs23 signers for the negative tests. A cheater runs the honest session except for
 * the round-1 finalisation (sk_i, pk_i and the RVOLE messages as sender), which is re-implemented
 * here with knobs, from the same internal building blocks as the honest code.
 */
import {
  DKLS_SIGN_PROTOCOL,
  Session,
  type DklsSignParams,
  type EcdsaSignature,
  type PartyId,
  type Suite,
} from '../../src/index.js';
import type { InboundMessage, OutboundMessage, Round, RoundOutput } from '../../src/engine/round.js';
import { signContext, type SignContext } from '../../src/protocols/dkls23/sign/context.js';
import { DklsSignRound1, startSign } from '../../src/protocols/dkls23/sign/round1.js';
import { DklsSignRound2 } from '../../src/protocols/dkls23/sign/round2.js';
import type { SignState } from '../../src/protocols/dkls23/sign/state.js';
import { encodeR1Broadcast, encodeR2Broadcast, encodeR2Direct } from '../../src/protocols/dkls23/sign/messages.js';
import { otePadsSender, PAD_BYTES } from '../../src/protocols/dkls23/ot-extension.js';
import { A_TILDE_BYTES, rvoleSend, RVOLE_PAYLOAD_BYTES, theta } from '../../src/protocols/dkls23/rvole.js';
import { zeroShare } from '../../src/protocols/dkls23/zero-share.js';
import { scalarFromHash, view, writeScalar } from '../../src/protocols/dkls23/scalars.js';
import { RVOLE_WIDTH, SCALAR_HASH_BYTES, TAG, XI } from '../../src/protocols/dkls23/params.js';
import type { DklsPrimitives } from '../../src/protocols/dkls23/primitives.js';

export interface Cheat {
  /** RVOLE input sk_i + skOffset instead of sk_i (pk_i announced honestly unless pkMatches). */
  readonly skOffset?: bigint;
  /** Announce pk_i = (sk_i + skOffset)·G: a shifted share with a matching pk_j. */
  readonly pkMatches?: boolean;
  /** RVOLE input r_i + rOffset (the nonce does not match R_i). */
  readonly rOffset?: bigint;
  /** η' computed with a_1 + etaOffset: inputs inconsistent between ã and η'. */
  readonly etaOffset?: bigint;
  /** Input a_1 + delta in one OT column only, hashed in consistently (selective failure). */
  readonly column?: { readonly index: number; readonly delta: bigint };
  /** Cheat only toward these peers (default: all). */
  readonly victims?: readonly PartyId[];
}

/** rvole.ts `rvoleSend` with per-column inputs and an optional inconsistent η'. */
function cheatingRvoleSend(
  prims: DklsPrimitives,
  suite: Suite,
  otSid: Uint8Array,
  qCols: Uint8Array,
  delta: Uint8Array,
  a1: bigint,
  a2: bigint,
  cheat: Cheat,
): { payload: Uint8Array } {
  const q = suite.order;
  const { v0, v1 } = otePadsSender(prims, otSid, qCols, delta);
  const d0 = view(v0);
  const d1 = view(v1);
  const eta = suite.randomScalar();
  const payload = new Uint8Array(RVOLE_PAYLOAD_BYTES);
  const pv = view(payload);
  const v0s: bigint[] = [];
  for (let j = 0; j < XI; j++) {
    const inputs = [a1 + (cheat.column?.index === j ? cheat.column.delta : 0n), a2, eta];
    for (let k = 0; k < RVOLE_WIDTH; k++) {
      const o = j * PAD_BYTES + k * SCALAR_HASH_BYTES;
      const x0 = scalarFromHash(d0, o, q);
      v0s.push(x0);
      writeScalar(pv, (j * RVOLE_WIDTH + k) * 32, (((x0 - scalarFromHash(d1, o, q) + inputs[k]!) % q) + q) % q);
    }
  }
  const [t1, t2] = theta(prims, q, otSid, payload.subarray(0, A_TILDE_BYTES));
  const etaPrime = (eta + t1 * (a1 + (cheat.etaOffset ?? 0n)) + t2 * a2) % q;
  const mu = new Uint8Array(XI * 32);
  for (let j = 0; j < XI; j++) {
    const [x1, x2, x3] = v0s.slice(j * RVOLE_WIDTH, (j + 1) * RVOLE_WIDTH);
    writeScalar(view(mu), j * 32, (x3! + t1 * x1! + t2 * x2!) % q);
  }
  writeScalar(pv, A_TILDE_BYTES, ((etaPrime % q) + q) % q);
  payload.set(prims.hash(TAG.rvoleMu, otSid, mu), A_TILDE_BYTES + 32);
  return { payload };
}

/** Round 1 of a cheater: honest checks, cheating finalisation. */
class CheatingRound1 implements Round<EcdsaSignature> {
  readonly number = 1;
  readonly expectsBroadcastFrom: readonly PartyId[];
  readonly expectsDirectFrom: readonly PartyId[];
  private readonly state: SignState;

  constructor(
    private readonly honest: DklsSignRound1,
    private readonly cheat: Cheat,
  ) {
    this.expectsBroadcastFrom = honest.expectsBroadcastFrom;
    this.expectsDirectFrom = honest.expectsDirectFrom;
    this.state = (honest as unknown as { state: SignState }).state;
  }

  verify(msg: InboundMessage): void {
    this.honest.verify(msg);
  }

  store(msg: InboundMessage): void {
    this.honest.store(msg);
  }

  finalize(): RoundOutput<EcdsaSignature> {
    const { state, cheat } = this;
    const { ctx } = state;
    const { suite, prims } = ctx;
    const q = suite.order;
    const seeds = new Map(ctx.peers.map((j) => [j, ctx.pairs.get(j)!.setup.zeroSeed] as const));
    const sk = (ctx.lambda * ((ctx.share + ctx.tweak) % q) + zeroShare(prims, suite, ctx.self, seeds, ctx.contextHash)) % q;
    const skUsed = (sk + (cheat.skOffset ?? 0n)) % q;
    state.sk = cheat.pkMatches ? skUsed : sk;
    state.pk = suite.G.multiply(cheat.pkMatches ? skUsed : sk);
    const out: OutboundMessage[] = [{ to: 'all', payload: encodeR2Broadcast(state.Rbytes, state.salt, suite.encodePoint(state.pk)) }];
    for (const j of ctx.peers) {
      const pair = ctx.pairs.get(j)!;
      const victim = cheat.victims === undefined || cheat.victims.includes(j);
      const Q = state.qCols.get(j)!;
      // Honest outputs (c, Γ) from the honest inputs; the payload carries the cheat.
      const honest = rvoleSend(prims, suite, pair.sidAsSender, pair.gAsSender, Q, pair.setup.delta, state.r, sk);
      let payload = honest.payload;
      let c1 = honest.c1;
      let c2 = honest.c2;
      if (victim) {
        if (cheat.etaOffset !== undefined || cheat.column !== undefined) payload = cheatingRvoleSend(prims, suite, pair.sidAsSender, Q, pair.setup.delta, state.r, sk, cheat).payload;
        else if (cheat.skOffset !== undefined || cheat.rOffset !== undefined) {
          const r = rvoleSend(prims, suite, pair.sidAsSender, pair.gAsSender, Q, pair.setup.delta, (state.r + (cheat.rOffset ?? 0n)) % q, skUsed);
          payload = r.payload;
          c1 = r.c1;
          c2 = r.c2;
        }
      }
      state.c.set(j, { u: c1, v: c2 });
      const psi = (state.phi - state.bob.get(j)!.chi + q) % q;
      out.push({ to: j, payload: encodeR2Direct(suite.encodePoint(suite.G.multiply(c1)), suite.encodePoint(suite.G.multiply(c2)), suite.encodeScalar(psi), payload) });
    }
    return { out, next: new DklsSignRound2(state) };
  }
}

/** A signer that cheats in its round-1 finalisation as described by `cheat`. */
export function cheatingSignSession(params: DklsSignParams, cheat: Cheat): Session<EcdsaSignature> {
  const self = params.key.self;
  return new Session<EcdsaSignature>({
    sessionId: params.sessionId,
    protocol: DKLS_SIGN_PROTOCOL,
    self,
    parties: [...params.signers],
    start: () => {
      const s = startSign(signContext(params));
      if (!('next' in s)) throw new Error('unexpected');
      return { out: s.out, next: new CheatingRound1(s.next as DklsSignRound1, cheat) };
    },
  });
}

/**
 * A signer that copies `victim`'s round-1 commitment and, rushing, reveals the victim's (R, salt)
 * as its own in round 2 (the attack an index-free commitment H(R, salt) would allow).
 * `captured()` must return the victim's round-1 and round-2 broadcast payloads once sent.
 */
export function copyingSignSession(params: DklsSignParams, captured: () => { r1?: Uint8Array; r2?: Uint8Array }): Session<EcdsaSignature> {
  const self = params.key.self;
  let ctx: SignContext | undefined;
  return new Session<EcdsaSignature>({
    sessionId: params.sessionId,
    protocol: DKLS_SIGN_PROTOCOL,
    self,
    parties: [...params.signers],
    start: () => {
      ctx = signContext(params);
      const s = startSign(ctx);
      if (!('next' in s)) throw new Error('unexpected');
      const victimCom = captured().r1!.subarray(32, 64);
      const out = s.out.map((m) => (m.to === 'all' ? { to: m.to, payload: encodeR1Broadcast(ctx!.contextHash, victimCom) } : m));
      const honest = s.next;
      const r1: Round<EcdsaSignature> = {
        number: 1,
        expectsBroadcastFrom: honest.expectsBroadcastFrom,
        expectsDirectFrom: honest.expectsDirectFrom,
        verify: (m) => honest.verify(m),
        store: (m) => honest.store(m),
        finalize: () => {
          const o = honest.finalize();
          const v = captured().r2;
          if (v === undefined) throw new Error('test bug: the victim has not revealed yet');
          const mine = o.out.find((m) => m.to === 'all')!.payload;
          const forged = Uint8Array.from([...v.subarray(0, 33 + 32), ...mine.subarray(33 + 32)]);
          return { ...o, out: o.out.map((m) => (m.to === 'all' ? { to: 'all' as const, payload: forged } : m)) };
        },
      };
      return { out, next: r1 };
    },
  });
}

/**
 * An honest signer whose secret state the test can inspect (erasure checks). Every byte buffer of
 * the state (β, T columns, checked Q columns) is recorded when it appears, so that the test can
 * check it was zeroed after the session ended, not only dropped from the state.
 */
export function observedSignSession(params: DklsSignParams): { session: Session<EcdsaSignature>; state: () => SignState; buffers: Set<Uint8Array> } {
  let state: SignState | undefined;
  const buffers = new Set<Uint8Array>();
  const record = () => {
    for (const b of state!.bob.values()) buffers.add(b.beta).add(b.tCols);
    for (const q of state!.qCols.values()) buffers.add(q);
  };
  const session = new Session<EcdsaSignature>({
    sessionId: params.sessionId,
    protocol: DKLS_SIGN_PROTOCOL,
    self: params.key.self,
    parties: [...params.signers],
    start: () => {
      const s = startSign(signContext(params));
      if (!('next' in s)) throw new Error('unexpected');
      const honest = s.next;
      state = (honest as unknown as { state: SignState }).state;
      record();
      const r1: Round<EcdsaSignature> = {
        number: 1,
        expectsBroadcastFrom: honest.expectsBroadcastFrom,
        expectsDirectFrom: honest.expectsDirectFrom,
        verify: (m) => honest.verify(m),
        store: (m) => {
          honest.store(m);
          record();
        },
        finalize: () => honest.finalize(),
        dispose: () => honest.dispose?.(),
      };
      return { out: s.out, next: r1 };
    },
  });
  return {
    session,
    state: () => {
      if (state === undefined) throw new Error('test bug: the session has not started');
      return state;
    },
    buffers,
  };
}
