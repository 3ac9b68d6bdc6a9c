/**
 * Opening sharings among a player set P of n = 2t + 1 players (protocols.md §2.1):
 * - OpenExp(t): points A_i = a_i·B must lie on one degree-t polynomial "in the exponent"
 *   ({@link isConsistent}); then a·B = Σ_i λ_i·A_i ({@link interpolatePoints}).
 * - Open(2t): a scalar from all 2t + 1 shares ({@link openScalar}); no redundancy.
 *
 * Consistency check. §2.1 phrases it as "A_j == Σ_{k∈T} λ_k^T(j)·A_k for every j outside the
 * first t + 1 indices", which costs (t + 1) full-size multiplications per checked index. We use
 * the equivalent dual-code form: a vector (A_1..A_n) is a degree-≤t sharing at the points x_i iff
 *   Σ_i u_i·x_i^m·A_i = O   for m = 0 .. n−t−2,   u_i = 1 / Π_{j≠i} (x_i − x_j)
 * (a degree-(n−1) divided difference vanishes on every polynomial of degree ≤ n−2, and these
 * n−t−1 relations are independent, Vandermonde, so they cut out exactly the degree-t code).
 * Scaled by the common denominator the coefficients are small integers (for P = {1,2,3}: the
 * single relation A_1 − 2·A_2 + A_3 = O), so a check costs a few point doublings and additions
 * instead of full scalar multiplications. Every relation is checked: all n points are compared
 * against the degree-t polynomial (protocols.md §7 item 9), none is skipped.
 *
 * Interpolation at 0 uses λ_i(0) over the whole set as exact rationals: Σ_i m_i·A_i = D·A(0)
 * with integers m_i = D·λ_i(0). For sets of consecutive indices D = 1 (binomial coefficients);
 * otherwise one multiplication by D⁻¹ mod q follows. Scaling by D ≠ 0 mod q changes nothing:
 * D is a product of differences of 16-bit identifiers, so every prime factor of D is < q.
 *
 * All inputs are public (broadcast values): variable-time arithmetic.
 */
import type { PartyId } from '../../errors.js';
import { lagrangeAtZero } from '../../math/polynomial.js';
import { mulAddUnsafe } from '@noble/curves/abstract/curve.js';
import type { EcdsaCurve, Point } from './curve.js';

/** Precomputed opening data for one (curve, player set, degree). */
export interface OpeningCode {
  readonly players: readonly PartyId[];
  readonly degree: number;
  /** The n − t − 1 relations Σ_i c_i·A_i = O, as signed integers reduced to |c| ≤ q/2. */
  readonly relations: readonly (readonly bigint[])[];
  /** m_i = D·λ_i(0) (signed, reduced). */
  readonly interpolation: readonly bigint[];
  /** D⁻¹ mod q, or 1n when D = 1. */
  readonly interpolationScale: bigint;
  /** λ_i(0) mod q over the whole set (Open(2t) of scalars; `lagrangeAtZero` of math/polynomial.ts). */
  readonly lambdas: readonly bigint[];
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function lcm(a: bigint, b: bigint): bigint {
  return (abs(a) / gcd(a, b)) * abs(b);
}

/** Reduce an integer mod q to the representative of smallest absolute value. */
function signedMod(v: bigint, q: bigint): bigint {
  let r = v % q;
  if (r < 0n) r += q;
  return r > q >> 1n ? r - q : r;
}

const CODES = new Map<string, OpeningCode>();
const MAX_CACHED_CODES = 1024;

/** The opening code of `players` (sorted ascending, distinct, non-zero) for degree `degree` (cached). */
export function openingCode(c: EcdsaCurve, players: readonly PartyId[], degree: number): OpeningCode {
  const cacheKey = `${c.scheme}:${degree}:${players.join(',')}`;
  const hit = CODES.get(cacheKey);
  if (hit !== undefined) return hit;
  const q = c.q;
  const n = players.length;
  const x = players.map((p) => BigInt(p));
  // Consistency relations (dual code).
  const P = x.map((xi, i) => x.reduce((acc, xj, j) => (j === i ? acc : acc * (xi - xj)), 1n));
  const L = P.reduce((acc, v) => lcm(acc, v), 1n);
  const relations: bigint[][] = [];
  for (let m = 0; m < n - degree - 1; m++) {
    let row = x.map((xi, i) => (L / P[i]!) * xi ** BigInt(m));
    const g = row.reduce((acc, v) => gcd(acc, v), 0n);
    row = row.map((v) => signedMod(v / g, q));
    relations.push(row);
  }
  // Interpolation at 0: λ_i = Π_{j≠i} x_j / Π_{j≠i} (x_j − x_i).
  const num = x.map((_, i) => x.reduce((acc, xj, j) => (j === i ? acc : acc * xj), 1n));
  const den = x.map((xi, i) => x.reduce((acc, xj, j) => (j === i ? acc : acc * (xj - xi)), 1n));
  const reduced = num.map((nu, i) => {
    const g = gcd(nu, den[i]!);
    const sign = den[i]! < 0n ? -1n : 1n;
    return { num: (sign * nu) / g, den: abs(den[i]!) / g };
  });
  const D = reduced.reduce((acc, f) => lcm(acc, f.den), 1n);
  const interpolation = reduced.map((f) => signedMod(f.num * (D / f.den), q));
  const Dq = D % q;
  const interpolationScale = Dq === 1n ? 1n : c.Fn.inv(Dq);
  const lambdas = players.map((p) => lagrangeAtZero(c.suite, p, players));
  const code: OpeningCode = { players: [...players], degree, relations, interpolation, interpolationScale, lambdas };
  if (CODES.size >= MAX_CACHED_CODES) CODES.delete(CODES.keys().next().value!);
  CODES.set(cacheKey, code);
  return code;
}

/** Coefficients up to this many bits use the table-free joint double-and-add below. */
const SMALL_BITS = 24;

/**
 * Σ_i coeffs_i·points_i for signed integer coefficients (variable time, public inputs). Small
 * coefficients (the usual case, e.g. 1, −2, 1) use a joint binary double-and-add without tables
 * (a handful of point operations); larger ones noble's joint wNAF (`mulAddUnsafe`).
 */
export function linearCombination(c: EcdsaCurve, points: readonly Point[], coeffs: readonly bigint[]): Point {
  const ps: Point[] = [];
  const ss: bigint[] = [];
  let bits = 0;
  for (let i = 0; i < points.length; i++) {
    const k = coeffs[i]!;
    if (k === 0n) continue;
    ps.push(k < 0n ? points[i]!.negate() : points[i]!);
    const m = abs(k);
    ss.push(m);
    bits = Math.max(bits, m.toString(2).length);
  }
  if (ps.length === 0) return c.Point.ZERO;
  if (bits > SMALL_BITS) return mulAddUnsafe(c.Point, ps, ss);
  let acc = c.Point.ZERO;
  for (let b = bits - 1; b >= 0; b--) {
    if (!acc.is0()) acc = acc.double();
    for (let i = 0; i < ps.length; i++) if ((ss[i]! >> BigInt(b)) & 1n) acc = acc.add(ps[i]!);
  }
  return acc;
}

/** OpenExp check: do `points` (one per player, in player order) lie on one degree-t polynomial? */
export function isConsistent(c: EcdsaCurve, code: OpeningCode, points: readonly Point[]): boolean {
  return code.relations.every((row) => linearCombination(c, points, row).is0());
}

/** a·B from consistent shares A_i = a_i·B (call {@link isConsistent} first). */
export function interpolatePoints(c: EcdsaCurve, code: OpeningCode, points: readonly Point[]): Point {
  const scaled = linearCombination(c, points, code.interpolation);
  return code.interpolationScale === 1n ? scaled : scaled.multiplyUnsafe(code.interpolationScale);
}

/** Open(d) of scalar shares (one per player, in player order): Σ λ_i(0)·s_i. */
export function openScalar(c: EcdsaCurve, code: OpeningCode, shares: readonly bigint[]): bigint {
  const Fn = c.Fn;
  let acc = Fn.ZERO;
  for (let i = 0; i < shares.length; i++) acc = Fn.add(acc, Fn.mul(code.lambdas[i]!, shares[i]!));
  return acc;
}
