/**
 * Shamir / Feldman VSS over a suite's scalar field (RFC 9591 Appendix C; protocols.md §1.7, §4.1).
 */
import { ErrorCode, ProtocolError, type PartyId } from '../errors.js';
import type { GroupPoint, Suite } from '../suites/types.js';

/** Evaluate f(x) = Σ coeffs[j]·x^j (Horner). */
export function evalPolynomial(suite: Suite, coeffs: readonly bigint[], x: bigint): bigint {
  const Fn = suite.Fn;
  let acc = 0n;
  for (let j = coeffs.length - 1; j >= 0; j--) acc = Fn.add(Fn.mul(acc, x), coeffs[j]!);
  return acc;
}

/** Σ_j x^j·C[j]: the public image of f(x) from Feldman commitments. */
export function evalCommitment(suite: Suite, commitment: readonly GroupPoint[], x: bigint): GroupPoint {
  let acc = suite.ZERO;
  for (let j = commitment.length - 1; j >= 0; j--) acc = acc.multiplyUnsafe(x).add(commitment[j]!);
  return acc;
}

/** Random polynomial of degree `degree` with the given constant term. */
export function randomPolynomial(suite: Suite, constant: bigint, degree: number): bigint[] {
  const c = [constant];
  for (let i = 0; i < degree; i++) c.push(suite.randomScalar());
  return c;
}

/** Feldman commitment [a_j·G]. */
export function commitPolynomial(suite: Suite, coeffs: readonly bigint[]): GroupPoint[] {
  return coeffs.map((a) => suite.G.multiply(a));
}

/** Checklist D1: identifiers are non-zero, below q, and pairwise distinct. */
export function checkIdentifiers(suite: Suite, ids: readonly PartyId[]): void {
  const seen = new Set<bigint>();
  for (const id of ids) {
    if (!Number.isSafeInteger(id) || id <= 0) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, `invalid party identifier ${id}`);
    const x = BigInt(id) % suite.order;
    if (x === 0n || seen.has(x)) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, `duplicate or zero identifier ${id}`);
    seen.add(x);
  }
}

/** Lagrange coefficient at 0 for `i` in `set`: λ_i = Π_{j≠i} x_j / (x_j − x_i). */
export function lagrangeAtZero(suite: Suite, i: PartyId, set: readonly PartyId[]): bigint {
  const Fn = suite.Fn;
  const xi = BigInt(i);
  let num = 1n;
  let den = 1n;
  let found = false;
  for (const j of set) {
    if (j === i) {
      found = true;
      continue;
    }
    const xj = BigInt(j);
    num = Fn.mul(num, xj);
    den = Fn.mul(den, Fn.sub(xj, xi));
  }
  if (!found) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, `party ${i} is not in the set`);
  if (den === 0n) throw new ProtocolError(ErrorCode.INVALID_IDENTIFIER, 'duplicate identifiers in Lagrange set');
  return Fn.div(num, den);
}
