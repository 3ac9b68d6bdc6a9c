/**
 * Random vector OLE (dkls23.md §C.3; the OT-based RVOLE that Silence Laboratories cites as the
 * paper's Protocol 5.2 — that attribution is [U] in the spec). Functionality: Bob obtains a random
 * χ ∈ Z_q, Alice inputs (a_1, a_2); they end with additive shares c_k + d_k = a_k·χ.
 *
 *   1. Bob: χ = Σ_j g_j·β_j with β from the OT extension (ot-extension.ts), g the pair's gadget vector.
 *   2. Alice (after the OT-extension check): η ← Z_q,
 *        ã_{j,k} = v⁰_{j,k} − v¹_{j,k} + a_k (k = 1, 2),  ã_{j,3} = v⁰_{j,3} − v¹_{j,3} + η
 *        (θ_1, θ_2) = H(sid, ã);  η' = η + θ_1·a_1 + θ_2·a_2
 *        μ = H(sid, (v⁰_{j,3} + θ_1·v⁰_{j,1} + θ_2·v⁰_{j,2})_{j<ξ})
 *        sends (ã, η', μ); outputs c_k = −Σ_j g_j·v⁰_{j,k}
 *   3. Bob: dd_{j,k} = v^{β_j}_{j,k} + β_j·ã_{j,k}  (= v⁰_{j,k} + β_j·(a_k or η));
 *        CHECK H(sid, (dd_{j,3} + θ_1·dd_{j,1} + θ_2·dd_{j,2} − β_j·η')_j) = μ
 *        (failure: DKLS_VOLE_CHECK_FAILED, ban Alice); outputs d_k = Σ_j g_j·dd_{j,k}.
 *
 * Payload (Alice → Bob): ã (ξ·3 scalars, j-major, 32 B each) ‖ η' (32) ‖ μ (32) = 49 216 B.
 * A pad v_j (144 hashed bytes) gives the three scalars v_{j,1..3} (48 bytes each, mod q).
 * JS bigints are not constant-time; see docs/protocols/dkls23.md "Deviations".
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { equalBytes, toHex } from '../../math/bytes.js';
import type { Suite } from '../../suites/index.js';
import { getBit } from './bits.js';
import { otePadsReceiver, otePadsSender, PAD_BYTES } from './ot-extension.js';
import { RVOLE_WIDTH, SCALAR_HASH_BYTES, TAG, XI } from './params.js';
import { u16, type DklsPrimitives } from './primitives.js';
import { readScalar, scalarFromHash, scalarsFromHash, view, writeScalar } from './scalars.js';

/** ã: ξ·3 scalars of 32 bytes, j-major (ã_{j,k} at (j·3 + k)·32); η' follows at this offset, then μ. */
export const A_TILDE_BYTES = XI * RVOLE_WIDTH * 32;
export const RVOLE_PAYLOAD_BYTES = A_TILDE_BYTES + 32 + 32;

const gadgetCache = new Map<string, readonly bigint[]>();
const GADGET_CACHE_MAX = 1024;

/**
 * The gadget vector g ∈ Z_q^ξ of the ordered pair (Alice, Bob) under one OT setup
 * (dkls23.md §B.12, §C.1 step 2): g_j = SHAKE128(H(tag, setupId, alice, bob) ‖ u32(j))[0, 48) mod q.
 * Public; cached per (curve, setup, pair).
 */
export function gadgetVector(prims: DklsPrimitives, suite: Suite, setupId: Uint8Array, alice: PartyId, bob: PartyId): readonly bigint[] {
  const key = `${suite.name}:${toHex(setupId)}:${alice}:${bob}`;
  const hit = gadgetCache.get(key);
  if (hit) return hit;
  const prefix = prims.hash(TAG.gadget, setupId, u16(alice), u16(bob));
  const g = Object.freeze(scalarsFromHash(prims.xof(prefix, new Uint8Array(0), 0, SCALAR_HASH_BYTES, XI), XI, suite.order));
  if (gadgetCache.size >= GADGET_CACHE_MAX) gadgetCache.delete(gadgetCache.keys().next().value!);
  gadgetCache.set(key, g);
  return g;
}

/** Bob's RVOLE input χ = Σ_j g_j·β_j mod q. SECRET. */
export function rvoleChi(suite: Suite, g: readonly bigint[], beta: Uint8Array): bigint {
  let chi = 0n;
  for (let j = 0; j < XI; j++) if (getBit(beta, j) === 1) chi += g[j]!;
  return chi % suite.order;
}

/** (θ_1, θ_2) = H(sid, ã) (step 2): the random-oracle coefficients of the RVOLE check. Public. */
export function theta(prims: DklsPrimitives, q: bigint, otSid: Uint8Array, aTilde: Uint8Array): [bigint, bigint] {
  const seed = prims.hash(TAG.rvoleTheta, otSid, aTilde);
  const [t1, t2] = scalarsFromHash(prims.xof(seed, new Uint8Array(0), 0, 2 * SCALAR_HASH_BYTES, 1), 2, q);
  return [t1!, t2!];
}

export interface RvoleSenderResult {
  /** c_1, c_2 (Alice's shares). SECRET. */
  readonly c1: bigint;
  readonly c2: bigint;
  readonly payload: Uint8Array;
}

/** Step 2 (Alice), from the checked OT-extension columns Q and Δ, with inputs a_1, a_2. */
export function rvoleSend(
  prims: DklsPrimitives,
  suite: Suite,
  otSid: Uint8Array,
  g: readonly bigint[],
  qCols: Uint8Array,
  delta: Uint8Array,
  a1: bigint,
  a2: bigint,
): RvoleSenderResult {
  const q = suite.order;
  const { v0, v1 } = otePadsSender(prims, otSid, qCols, delta);
  const d0 = view(v0);
  const d1 = view(v1);
  const eta = suite.randomScalar();
  const payload = new Uint8Array(RVOLE_PAYLOAD_BYTES);
  const pv = view(payload);
  const v0s: bigint[] = new Array<bigint>(XI * RVOLE_WIDTH);
  const inputs = [a1, a2, eta];
  for (let j = 0; j < XI; j++) {
    for (let k = 0; k < RVOLE_WIDTH; k++) {
      const o = j * PAD_BYTES + k * SCALAR_HASH_BYTES;
      const x0 = scalarFromHash(d0, o, q);
      const x1 = scalarFromHash(d1, o, q);
      v0s[j * RVOLE_WIDTH + k] = x0;
      let t = x0 - x1 + inputs[k]!;
      if (t < 0n) t += q;
      else if (t >= q) t -= q;
      writeScalar(pv, (j * RVOLE_WIDTH + k) * 32, t);
    }
  }
  v0.fill(0);
  v1.fill(0);
  const aTilde = payload.subarray(0, A_TILDE_BYTES);
  const [t1, t2] = theta(prims, q, otSid, aTilde);
  const etaPrime = (eta + t1 * a1 + t2 * a2) % q;
  const mu = new Uint8Array(XI * 32);
  const mv = view(mu);
  let c1 = 0n;
  let c2 = 0n;
  for (let j = 0; j < XI; j++) {
    const x1 = v0s[j * 3]!;
    const x2 = v0s[j * 3 + 1]!;
    writeScalar(mv, j * 32, (v0s[j * 3 + 2]! + t1 * x1 + t2 * x2) % q);
    c1 += g[j]! * x1;
    c2 += g[j]! * x2;
  }
  v0s.fill(0n);
  writeScalar(pv, A_TILDE_BYTES, etaPrime);
  payload.set(prims.hash(TAG.rvoleMu, otSid, mu), A_TILDE_BYTES + 32);
  mu.fill(0); // μ's preimage: Alice's v⁰ pads combined with θ
  return { c1: (q - (c1 % q)) % q, c2: (q - (c2 % q)) % q, payload };
}

/**
 * Step 3 (Bob): parse Alice's payload strictly (every scalar < q, exact length), run the RVOLE
 * check, output d_1, d_2. Throws DKLS_VOLE_CHECK_FAILED (the caller blames Alice).
 */
export function rvoleReceive(
  prims: DklsPrimitives,
  suite: Suite,
  otSid: Uint8Array,
  g: readonly bigint[],
  tCols: Uint8Array,
  beta: Uint8Array,
  payload: Uint8Array,
): { d1: bigint; d2: bigint } {
  const q = suite.order;
  if (payload.length !== RVOLE_PAYLOAD_BYTES) throw new ProtocolError(ErrorCode.MALFORMED_MESSAGE, 'RVOLE payload has the wrong length');
  const pv = view(payload);
  // B3: decode every received scalar before any arithmetic.
  const at: bigint[] = new Array<bigint>(XI * RVOLE_WIDTH);
  for (let i = 0; i < XI * RVOLE_WIDTH; i++) at[i] = readScalar(pv, i * 32, q);
  const etaPrime = readScalar(pv, A_TILDE_BYTES, q);
  const mu = payload.subarray(A_TILDE_BYTES + 32);
  const aTilde = payload.subarray(0, A_TILDE_BYTES);
  const [t1, t2] = theta(prims, q, otSid, aTilde);
  const pads = otePadsReceiver(prims, otSid, tCols);
  const dv = view(pads);
  const check = new Uint8Array(XI * 32);
  const cv = view(check);
  let d1 = 0n;
  let d2 = 0n;
  for (let j = 0; j < XI; j++) {
    const b = BigInt(getBit(beta, j));
    const o = j * PAD_BYTES;
    const dd1 = (scalarFromHash(dv, o, q) + b * at[j * 3]!) % q;
    const dd2 = (scalarFromHash(dv, o + SCALAR_HASH_BYTES, q) + b * at[j * 3 + 1]!) % q;
    const dd3 = scalarFromHash(dv, o + 2 * SCALAR_HASH_BYTES, q) + b * at[j * 3 + 2]!;
    let m = (dd3 + t1 * dd1 + t2 * dd2 - b * etaPrime) % q;
    if (m < 0n) m += q;
    writeScalar(cv, j * 32, m);
    d1 += g[j]! * dd1;
    d2 += g[j]! * dd2;
  }
  pads.fill(0);
  const ok = equalBytes(prims.hash(TAG.rvoleMu, otSid, check), mu);
  check.fill(0); // derived from Bob's pads and β
  if (!ok) throw new ProtocolError(ErrorCode.DKLS_VOLE_CHECK_FAILED, 'RVOLE consistency check failed');
  return { d1: d1 % q, d2: d2 % q };
}
