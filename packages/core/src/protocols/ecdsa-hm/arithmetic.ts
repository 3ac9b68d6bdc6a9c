/**
 * The elliptic-curve operations of the honest-majority ECDSA protocols, behind one interface so
 * that a platform with a faster implementation can supply it (docs/protocols/ecdsa-honest-majority.md,
 * "Arithmetic back-ends").
 *
 * The protocol needs exactly these operations per presignature and signature:
 *   presigning  R_i = k_i·G, W_i = a_i·R (one-time SECRET scalars: constant time), w·G (public)
 *   signing     R' = δ·R (public, only with a tweak), y + ε·G (public), ECDSA verification
 * Everything else (interpolation in the exponent, consistency checks) stays on noble in the
 * protocol files: it works on public values and costs a few point additions. Decoding a stored
 * compressed R (a square root) may use the optional `decodePoint`.
 *
 * The default, {@link nobleEcdsaHmArithmetic}, is pure TypeScript (@noble/curves) and runs
 * anywhere. `@opentsm/core/node` exports `nodeEcdsaHmArithmetic` (libsecp256k1 compiled to WASM
 * for secp256k1, OpenSSL for P-256), 5–20× faster on a server; a back-end must give exactly the
 * same results as noble (test/ecdsa-hm-arithmetic.test.ts checks this on random inputs), so
 * players on different back-ends interoperate.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { mulOneTimeSecret, verifyWithPoint, type EcdsaCurve, type Point } from './curve.js';

/** The public key and signature handed to {@link EcdsaHmArithmetic.verify}. */
export interface EcdsaVerifyInput {
  /** The key's group public key y (untweaked; may carry noble's precomputed table). */
  readonly groupKey: Point;
  /** Additive tweak ε (0n for none): the signature must verify under y + ε·G. */
  readonly tweak: bigint;
  /** y + ε·G as a 33-byte SEC1 compressed point (the key the signature is for). */
  readonly publicKey: Uint8Array;
  /** The same key y + ε·G as a point (already computed by the caller: no decompression needed). */
  readonly publicKeyPoint: Point;
  /** The signed message (the signature is ECDSA with SHA-256 over it). */
  readonly message: Uint8Array;
  /** h = bits2int(SHA-256(message)) mod q. */
  readonly h: bigint;
  readonly r: bigint;
  /** Low s (≤ q/2); a high s must not verify. */
  readonly s: bigint;
  /** The DER encoding of (r, s). */
  readonly der: Uint8Array;
}

export interface EcdsaHmArithmetic {
  /** Shown in logs and benchmarks. */
  readonly name: string;
  /** k·G for a one-time SECRET scalar k ∈ [1, q): constant time in k. */
  mulBaseSecret(c: EcdsaCurve, k: bigint): Point;
  /** k·P for a one-time SECRET scalar k ∈ [1, q) and a public point P ≠ O: constant time in k. */
  mulSecret(c: EcdsaCurve, P: Point, k: bigint): Point;
  /** k·G for a public scalar k (variable time allowed). */
  mulBase(c: EcdsaCurve, k: bigint): Point;
  /** k·P for a public scalar k and a public point P (variable time allowed). */
  mul(c: EcdsaCurve, P: Point, k: bigint): Point;
  /** Standard ECDSA verification (SEC 1 §4.1.4) of a low-s signature; see {@link EcdsaVerifyInput}. */
  verify(c: EcdsaCurve, v: EcdsaVerifyInput): boolean;
  /**
   * Optional: decode a stored 33-byte SEC1 compressed point (a presignature's R) with exactly the
   * checks and errors of `EcdsaCurve.decodePoint` (canonical, on the curve, not O), faster than
   * noble's square root. Without it, {@link decodeCompressedPoint} uses noble.
   */
  decodePoint?(c: EcdsaCurve, bytes: Uint8Array): Point;
}

/** Decode a compressed point with the back-end's decoder when it has one, else noble's. */
export function decodeCompressedPoint(a: EcdsaHmArithmetic, c: EcdsaCurve, bytes: Uint8Array): Point {
  return a.decodePoint ? a.decodePoint(c, bytes) : c.decodePoint(bytes);
}

/** @noble/curves: constant-time multiplication via `mulOneTimeSecret` (curve.ts), verification with y's precomputed table. */
export const nobleEcdsaHmArithmetic: EcdsaHmArithmetic = {
  name: '@noble/curves',
  mulBaseSecret: (c, k) => mulOneTimeSecret(c, c.G, k),
  mulSecret: (c, P, k) => mulOneTimeSecret(c, P, k),
  mulBase: (c, k) => c.G.multiplyUnsafe(k),
  mul: (c, P, k) => P.multiplyUnsafe(k),
  verify: (c, v) => verifyWithPoint(c, v.groupKey, v.h, v.r, v.s, v.tweak),
};

const METHODS = ['mulBaseSecret', 'mulSecret', 'mulBase', 'mul', 'verify'] as const;

/** The back-end of a session: the one given, or noble; INVALID_PARAMETERS for anything that is not a back-end. */
export function arithmeticOf(a: unknown): EcdsaHmArithmetic {
  if (a === undefined) return nobleEcdsaHmArithmetic;
  if (a === null || typeof a !== 'object' || METHODS.some((m) => typeof (a as Record<string, unknown>)[m] !== 'function'))
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `arithmetic must implement ${METHODS.join(', ')}`);
  return a as EcdsaHmArithmetic;
}
