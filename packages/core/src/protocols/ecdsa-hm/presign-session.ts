/**
 * `ecdsa-hm-presign/v1`: presignature generation of DJNPØ20 ("Fast Threshold ECDSA with Honest
 * Majority", ePrint 2020/501) as specified in protocols.md §2.3, as an engine session among
 * exactly 2t + 1 players. One run makes `count` independent presignatures (the same three rounds
 * for the whole batch). Spec: docs/protocols/ecdsa-honest-majority.md.
 *
 *   start    §2.3 Round 1: deal RandSS(t) for k and a, ZeroSS(2t) for b, d, e       (this file)
 *   round 1  sum the dealings; R_i = k_i·G, w_i = a_i·k_i + b_i; broadcast (R_i, w_i)  → presign-round1.ts
 *   round 2  OpenExp check of the R_j, R = Σ λ_j·R_j ≠ O; W_i = a_i·R; broadcast W_i  → presign-round2.ts
 *   round 3  OpenExp check of the W_j, W; w = Open_2t(w_j); w·G = W, w ≠ 0;
 *            c_i = a_i·w⁻¹, α_i = c_i + d_i, β_i = c_i·x_i → presignatures            → presign-round3.ts
 *
 * Point-to-point shares travel in direct messages, which the transport encrypts end to end
 * (checklist A4). Echo broadcast (A3) is the engine's: the round-3 messages carry the hashes of
 * the round-2 broadcasts, so an equivocated (R_j, w_j) aborts with ECHO_MISMATCH.
 */
import type { ProtocolStart } from '../../engine/round.js';
import { Session } from '../../engine/session.js';
import type { PartyId } from '../../errors.js';
import { evalPolynomial } from '../../math/polynomial.js';
import type { EcdsaCurve } from './curve.js';
import { encodeDealing, type Dealing } from './messages.js';
import { ECDSA_HM_PRESIGN_PROTOCOL, presignContext, sessionParties, type PresignContext, type PresignParams } from './params.js';
import { PresignRound1 } from './presign-round1.js';
import type { Presignature } from './presignature.js';

/** `n` uniformly random scalars in [0, q) from crypto.getRandomValues (48 bytes each, bias < 2^-128). */
export function randomScalars(c: EcdsaCurve, n: number): bigint[] {
  const out: bigint[] = [];
  const PER = 48;
  const CHUNK = Math.floor(65536 / PER); // getRandomValues returns at most 65536 bytes per call
  while (out.length < n) {
    const m = Math.min(CHUNK, n - out.length);
    const buf = new Uint8Array(m * PER);
    crypto.getRandomValues(buf);
    for (let i = 0; i < m; i++) {
      let hex = '0x';
      for (let j = i * PER; j < (i + 1) * PER; j++) hex += HEX[buf[j]!];
      out.push(BigInt(hex) % c.q);
    }
  }
  return out;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * §2.3 Round 1 (dealer side): for each presignature, random polynomials f_k, f_a of degree t
 * (RandSS: random constant term) and f_b, f_d, f_e of degree 2t with constant term 0 (ZeroSS);
 * player i receives (f_k(i), f_a(i), f_b(i), f_d(i), f_e(i)).
 */
function deal(ctx: PresignContext): { out: { to: PartyId; payload: Uint8Array }[]; own: Dealing[] } {
  const c = ctx.key.curve;
  const t = ctx.key.t;
  const perPresig = 2 * (t + 1) + 3 * 2 * t;
  const rnd = randomScalars(c, perPresig * ctx.count);
  let o = 0;
  const next = (len: number): bigint[] => rnd.slice(o, (o += len));
  const byPlayer = new Map<PartyId, Dealing[]>(ctx.players.map((p) => [p, []]));
  for (let b = 0; b < ctx.count; b++) {
    const fk = next(t + 1);
    const fa = next(t + 1);
    const fb = [0n, ...next(2 * t)];
    const fd = [0n, ...next(2 * t)];
    const fe = [0n, ...next(2 * t)];
    for (const p of ctx.players) {
      const x = BigInt(p);
      const ev = (f: bigint[]) => evalPolynomial(c.suite, f, x);
      byPlayer.get(p)!.push({ k: ev(fk), a: ev(fa), b: ev(fb), d: ev(fd), e: ev(fe) });
    }
  }
  const out = ctx.peers.map((p) => ({ to: p, payload: encodeDealing(ctx.contextHash, byPlayer.get(p)!) }));
  return { out, own: byPlayer.get(ctx.self)! };
}

/**
 * Create this player's session of one presigning run. Output: `count` presignatures, in index
 * order, bound to (key, players, sessionId, index) — see {@link Presignature}.
 *
 * Throws only when no session can be built (session id not 1..64 bytes, no key). Every other
 * parameter error (not an ECDSA key, a player set that is not exactly 2k − 1 key holders
 * including this player, count out of range) aborts the session when it starts, with
 * INVALID_PARAMETERS, and notifies the other players, so a misconfigured run fails like any other.
 */
export function createPresignSession(params: PresignParams): Session<Presignature[]> {
  const self = params.key.self;
  const start = (): ProtocolStart<Presignature[]> => {
    const ctx = presignContext(params);
    const { out, own } = deal(ctx);
    return { out, next: new PresignRound1(ctx, own) };
  };
  return new Session<Presignature[]>({ sessionId: params.sessionId, protocol: ECDSA_HM_PRESIGN_PROTOCOL, self, parties: sessionParties(self, params.players), start });
}
