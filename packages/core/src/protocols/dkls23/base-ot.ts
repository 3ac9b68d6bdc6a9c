/**
 * Base OT: the "Verified Simplest OT" (VSOT) of Doerner, Kondi, Lee, shelat, "Secure Two-party
 * Threshold ECDSA from ECDSA Assumptions" (IEEE S&P 2018, ePrint 2018/499), Protocol 7 — the
 * Chou–Orlandi OT with a proof of knowledge of the sender's secret and the challenge/response
 * verification that makes it UC-secure (proven there). It is run λ_c = 256 times per ordered pair,
 * once, at key generation (or OT refresh); dkls23.md §C.1 step 1.
 *
 * Group: ristretto255 (RFC 9496, prime order, canonical encodings) whatever the signing curve —
 * the base OT only needs a group where CDH is hard; ristretto255 is ~2.5× faster than
 * secp256k1/P-256 in noble and has no cofactor pitfalls (deviation documented in
 * docs/protocols/dkls23.md).
 *
 * Roles (dkls23.md §B.6): the base-OT *sender* is the later OT-extension *receiver* (Bob) and keeps
 * both seeds (k⁰_l, k¹_l); the base-OT *receiver* is the later OT-extension *sender* (Alice), with
 * choice bits Δ, and keeps k^{Δ_l}_l.
 *
 *   A (sender → receiver)  B = b·G, Schnorr PoK (K, z) of b bound to the instance id     96 B
 *   B (receiver → sender)  A_l = a_l·G + Δ_l·B, l < 256                                 8192 B
 *                          seeds: k_l^{Δ_l} = H(sid, l, B, A_l, a_l·B) (receiver),
 *                                 k_l^0 = H(…, b·A_l), k_l^1 = H(…, b·A_l − b·B) (sender)
 *   C (sender → receiver)  ξ_l = H(H(k_l^0)) ⊕ H(H(k_l^1))                               8192 B
 *   D (receiver → sender)  ρ'_l = H(H(k_l^{Δ_l})) ⊕ Δ_l·ξ_l; sender checks ρ'_l = H(H(k_l^0))  8192 B
 *   E (sender → receiver)  (H(k_l^0), H(k_l^1)); receiver checks its own H(k^{Δ_l}) and ξ   16384 B
 * A failed PoK or verification aborts the key generation (DKLS_BASE_OT_FAILED, culprit named).
 */
import { ristretto255 } from '@noble/curves/ed25519.js';
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError } from '../../errors.js';
import { Writer } from '../../engine/codec.js';
import { equalBytes, randomBytes } from '../../math/bytes.js';
import { lengthPrefixed } from '../../math/transcript.js';
import { u16, type DklsPrimitives } from './primitives.js';
import { KAPPA, SEED_BYTES, TAG } from './params.js';
import { getBit } from './bits.js';

interface RPoint {
  add(o: RPoint): RPoint;
  subtract(o: RPoint): RPoint;
  multiply(s: bigint): RPoint;
  multiplyUnsafe(s: bigint): RPoint;
  equals(o: RPoint): boolean;
  is0(): boolean;
  toBytes(): Uint8Array;
  precompute(w?: number, lazy?: boolean): RPoint;
}
interface RPointCons {
  BASE: RPoint;
  ZERO: RPoint;
  Fn: { ORDER: bigint };
  fromBytes(b: Uint8Array): RPoint;
}
const Point = ristretto255.Point as unknown as RPointCons;
const L = Point.Fn.ORDER;
const G = Point.BASE;
const POINT_BYTES = 32;

export const VSOT_MSG_A_BYTES = 3 * 32;
export const VSOT_MSG_B_BYTES = KAPPA * POINT_BYTES;
export const VSOT_MSG_C_BYTES = KAPPA * 32;
export const VSOT_MSG_D_BYTES = KAPPA * 32;
export const VSOT_MSG_E_BYTES = KAPPA * 64;

function baseOtFailed(why: string): never {
  throw new ProtocolError(ErrorCode.DKLS_BASE_OT_FAILED, `base OT failed: ${why}`);
}

function decodeRistretto(b: Uint8Array): RPoint {
  let p: RPoint;
  try {
    p = Point.fromBytes(b);
  } catch {
    throw new ProtocolError(ErrorCode.INVALID_POINT, 'invalid ristretto255 element');
  }
  if (p.is0()) throw new ProtocolError(ErrorCode.INVALID_POINT, 'ristretto255 identity element');
  return p;
}

/** Uniform non-zero scalar mod L from 64 random bytes. */
function randomScalarL(): bigint {
  for (;;) {
    const v = bytesToNumberBE(randomBytes(64)) % L;
    if (v !== 0n) return v;
  }
}

function encodeScalarL(s: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = s;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function decodeScalarL(b: Uint8Array): bigint {
  const v = bytesToNumberBE(b);
  if (v >= L) throw new ProtocolError(ErrorCode.INVALID_SCALAR, 'ristretto255 scalar not below the group order');
  return v;
}

/** Fiat–Shamir challenge of the PoK: SHA-512(lengthPrefixed(tag, sid, B, K)) mod L (math/transcript.ts framing). */
function pokChallenge(sid: Uint8Array, B: Uint8Array, K: Uint8Array): bigint {
  return bytesToNumberBE(sha512(lengthPrefixed([utf8ToBytes(TAG.vsotPok), sid, B, K]))) % L;
}

function seedOf(prims: DklsPrimitives, sid: Uint8Array, l: number, B: Uint8Array, A: Uint8Array, P: RPoint): Uint8Array {
  return prims.hash(TAG.vsotSeed, sid, u16(l), B, A, P.toBytes());
}

/** H(x) of the verification step, bound to the instance and the index l. */
function hv(prims: DklsPrimitives, sid: Uint8Array, l: number, x: Uint8Array): Uint8Array {
  return prims.hash(TAG.vsotVerify, sid, u16(l), x);
}

/** Base-OT sender state (the later OT-extension receiver). */
export interface VsotSender {
  readonly sid: Uint8Array;
  b: bigint;
  readonly B: Uint8Array;
  /** k⁰_l ‖ … (256 × 32). SECRET. */
  seeds0?: Uint8Array;
  /** k¹_l ‖ … (256 × 32). SECRET. */
  seeds1?: Uint8Array;
  /** H(k⁰_l), H(k¹_l): the openings of step E. */
  open0?: Uint8Array;
  open1?: Uint8Array;
}

/** Base-OT receiver state (the later OT-extension sender). */
export interface VsotReceiver {
  readonly sid: Uint8Array;
  /** Δ: 256 choice bits. SECRET. */
  readonly delta: Uint8Array;
  /** k^{Δ_l}_l (256 × 32). SECRET. */
  readonly seeds: Uint8Array;
  readonly B: Uint8Array;
  xi?: Uint8Array;
}

/** Step A: the sender's B = b·G with a Schnorr proof of knowledge of b (z·G = K + c·B). */
export function vsotSenderStart(sid: Uint8Array): { state: VsotSender; message: Uint8Array } {
  const b = randomScalarL();
  const Bp = G.multiply(b);
  const B = Bp.toBytes();
  const k = randomScalarL();
  const K = G.multiply(k).toBytes();
  const c = pokChallenge(sid, B, K);
  const z = (k + c * b) % L;
  return { state: { sid, b, B }, message: new Writer().fixed(B).fixed(K).fixed(encodeScalarL(z)).finish() };
}

/** Step B (receiver): check the PoK, choose Δ, send A_l and derive k^{Δ_l}_l. */
export function vsotReceiverStep(prims: DklsPrimitives, sid: Uint8Array, messageA: Uint8Array): { state: VsotReceiver; message: Uint8Array } {
  if (messageA.length !== VSOT_MSG_A_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'base OT: wrong message length');
  const Bb = messageA.subarray(0, 32).slice();
  const Kb = messageA.subarray(32, 64);
  const B = decodeRistretto(Bb);
  const K = decodeRistretto(Kb);
  const z = decodeScalarL(messageA.subarray(64, 96));
  const c = pokChallenge(sid, Bb, Kb);
  // Public values: variable-time arithmetic.
  if (!G.multiplyUnsafe(z).equals(K.add(B.multiplyUnsafe(c)))) baseOtFailed('invalid proof of knowledge of the sender secret');
  B.precompute(8, false); // 256 constant-time multiplications by B follow
  const delta = randomBytes(KAPPA / 8);
  const seeds = new Uint8Array(KAPPA * SEED_BYTES);
  const out = new Uint8Array(KAPPA * 32);
  for (let l = 0; l < KAPPA; l++) {
    const a = randomScalarL();
    const aG = G.multiply(a);
    // A_l = a·G + Δ_l·B (both branches cost one complete addition).
    const A = getBit(delta, l) === 1 ? aG.add(B) : aG.add(Point.ZERO);
    const Ab = A.toBytes();
    out.set(Ab, l * 32);
    seeds.set(seedOf(prims, sid, l, Bb, Ab, B.multiply(a)), l * SEED_BYTES);
  }
  return { state: { sid, delta, seeds, B: Bb }, message: out };
}

/** Sender, on step B: k⁰_l = H(b·A_l), k¹_l = H(b·A_l − b·B); reply with the challenges ξ (step C). */
export function vsotSenderChallenge(prims: DklsPrimitives, st: VsotSender, messageB: Uint8Array): Uint8Array {
  if (messageB.length !== VSOT_MSG_B_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'base OT: wrong message length');
  const T = decodeRistretto(st.B).multiply(st.b); // b·B
  const seeds0 = new Uint8Array(KAPPA * SEED_BYTES);
  const seeds1 = new Uint8Array(KAPPA * SEED_BYTES);
  const open0 = new Uint8Array(KAPPA * 32);
  const open1 = new Uint8Array(KAPPA * 32);
  const xi = new Uint8Array(KAPPA * 32);
  for (let l = 0; l < KAPPA; l++) {
    const Ab = messageB.subarray(l * 32, (l + 1) * 32);
    const A = decodeRistretto(Ab);
    const P0 = A.multiply(st.b);
    const k0 = seedOf(prims, st.sid, l, st.B, Ab, P0);
    const k1 = seedOf(prims, st.sid, l, st.B, Ab, P0.subtract(T));
    seeds0.set(k0, l * SEED_BYTES);
    seeds1.set(k1, l * SEED_BYTES);
    const o0 = hv(prims, st.sid, l, k0);
    const o1 = hv(prims, st.sid, l, k1);
    open0.set(o0, l * 32);
    open1.set(o1, l * 32);
    const h0 = hv(prims, st.sid, l, o0);
    const h1 = hv(prims, st.sid, l, o1);
    for (let i = 0; i < 32; i++) xi[l * 32 + i] = h0[i]! ^ h1[i]!;
  }
  st.b = 0n;
  st.seeds0 = seeds0;
  st.seeds1 = seeds1;
  st.open0 = open0;
  st.open1 = open1;
  return xi;
}

/** Receiver, on step C: ρ'_l = H(H(k^{Δ_l}_l)) ⊕ Δ_l·ξ_l (step D). */
export function vsotReceiverResponse(prims: DklsPrimitives, st: VsotReceiver, messageC: Uint8Array): Uint8Array {
  if (messageC.length !== VSOT_MSG_C_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'base OT: wrong message length');
  st.xi = messageC.slice();
  const out = new Uint8Array(KAPPA * 32);
  for (let l = 0; l < KAPPA; l++) {
    const h = hv(prims, st.sid, l, hv(prims, st.sid, l, st.seeds.subarray(l * SEED_BYTES, (l + 1) * SEED_BYTES)));
    const mask = -getBit(st.delta, l) & 0xff;
    for (let i = 0; i < 32; i++) out[l * 32 + i] = h[i]! ^ (messageC[l * 32 + i]! & mask);
  }
  return out;
}

/** Sender, on step D: check ρ'_l = H(H(k⁰_l)) for every l, then open (step E). */
export function vsotSenderOpen(prims: DklsPrimitives, st: VsotSender, messageD: Uint8Array): Uint8Array {
  if (messageD.length !== VSOT_MSG_D_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'base OT: wrong message length');
  let ok = true;
  for (let l = 0; l < KAPPA; l++) {
    const expect = hv(prims, st.sid, l, st.open0!.subarray(l * 32, (l + 1) * 32));
    if (!equalBytes(expect, messageD.subarray(l * 32, (l + 1) * 32))) ok = false;
  }
  if (!ok) baseOtFailed('the receiver failed the verification challenge');
  const out = new Uint8Array(KAPPA * 64);
  for (let l = 0; l < KAPPA; l++) {
    out.set(st.open0!.subarray(l * 32, (l + 1) * 32), l * 64);
    out.set(st.open1!.subarray(l * 32, (l + 1) * 32), l * 64 + 32);
  }
  return out;
}

/** Receiver, on step E: the opening of its choice equals H(k^{Δ_l}_l) and ξ_l = H(open⁰) ⊕ H(open¹). */
export function vsotReceiverFinish(prims: DklsPrimitives, st: VsotReceiver, messageE: Uint8Array): void {
  if (messageE.length !== VSOT_MSG_E_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'base OT: wrong message length');
  let ok = true;
  for (let l = 0; l < KAPPA; l++) {
    const o0 = messageE.subarray(l * 64, l * 64 + 32);
    const o1 = messageE.subarray(l * 64 + 32, l * 64 + 64);
    const mine = hv(prims, st.sid, l, st.seeds.subarray(l * SEED_BYTES, (l + 1) * SEED_BYTES));
    if (!equalBytes(mine, getBit(st.delta, l) === 1 ? o1 : o0)) ok = false;
    const h0 = hv(prims, st.sid, l, o0);
    const h1 = hv(prims, st.sid, l, o1);
    for (let i = 0; i < 32; i++) if ((h0[i]! ^ h1[i]!) !== st.xi![l * 32 + i]) ok = false;
  }
  if (!ok) baseOtFailed('the sender failed the verification');
}
