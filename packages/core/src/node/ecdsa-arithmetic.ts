/**
 * A fast elliptic-curve back-end for honest-majority ECDSA on a server (the `arithmetic` option of
 * createPresignSession / createEcdsaSignSession; interface in protocols/ecdsa-hm/arithmetic.ts).
 *
 * - secp256k1: libsecp256k1 (Bitcoin Core's library), native addon or WASM (./secp256k1.ts).
 *   Secret multiplications use its constant-time paths: secp256k1_ec_pubkey_create (ecmult_gen)
 *   and secp256k1_ec_pubkey_tweak_mul (ecmult_const). Verification is secp256k1_ecdsa_verify
 *   (low s only).
 * - P-256: OpenSSL (node:crypto). k·G is an EC key generation from k; k·P uses ECDH, which yields
 *   only x(k·P): y is recovered from the curve equation and its sign fixed with a second ECDH,
 *   x(k·(P + G)) = x(k·P + k·G), which holds for exactly one of ±y (the other would need
 *   2·k·G = O or 2·k·P = O, impossible in a group of prime order). OpenSSL's P-256 code is
 *   constant time in k; the square root and additions work on public values (W_i and R are
 *   broadcast). Verification is OpenSSL's ECDSA-with-SHA-256 over the message.
 *
 * Both give exactly noble's results (test/ecdsa-hm-arithmetic.test.ts, random inputs), so a
 * player on this back-end and one on noble interoperate. Measured gains: bench group ecdsa-hm.
 */
import { createECDH, ECDH, verify as osslVerify } from 'node:crypto';
import { nobleEcdsaHmArithmetic, type EcdsaHmArithmetic } from '../protocols/ecdsa-hm/arithmetic.js';
import { bigintToBytes, bytesToBigint, mulOneTimeSecret, type EcdsaCurve, type Point } from '../protocols/ecdsa-hm/curve.js';
import { p256PublicKey } from './p256-key.js';
import { secp256k1Ops } from './secp256k1.js';

/** A point from trusted 65-byte SEC1 uncompressed output of the back-end library. */
function fromUncompressed(c: EcdsaCurve, b: Uint8Array): Point {
  return c.Point.fromAffine({ x: bytesToBigint(b.subarray(1, 33)), y: bytesToBigint(b.subarray(33, 65)) });
}

/** 32-byte big-endian scalar, zeroed by the caller after use when secret. */
const scalar = (k: bigint): Uint8Array => bigintToBytes(k, 32);

// ---------------------------------------------------------------------------------------------
// secp256k1: libsecp256k1 (native addon, else WASM).

function k1Mul(c: EcdsaCurve, P: Point | undefined, k: bigint): Point {
  if (k === 0n || (P !== undefined && P.is0())) return c.Point.ZERO;
  const kb = scalar(k);
  try {
    return fromUncompressed(c, P === undefined ? secp256k1Ops.mulBase(kb) : secp256k1Ops.mul(P.toBytes(false), kb));
  } finally {
    kb.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// P-256: OpenSSL.

const P256 = 'prime256v1';

function p256MulBase(c: EcdsaCurve, k: bigint): Point {
  if (k === 0n) return c.Point.ZERO;
  const kb = scalar(k);
  try {
    const e = createECDH(P256);
    e.setPrivateKey(kb);
    return fromUncompressed(c, e.getPublicKey());
  } finally {
    kb.fill(0);
  }
}

function p256Mul(c: EcdsaCurve, P: Point, k: bigint): Point {
  if (k === 0n || P.is0()) return c.Point.ZERO;
  const Q = P.add(c.G);
  if (Q.is0()) return mulOneTimeSecret(c, P, k); // P = −G: no second base point (never happens for random R)
  const kb = scalar(k);
  let x1: bigint;
  let x2: bigint;
  let A: Point;
  try {
    const e = createECDH(P256);
    e.setPrivateKey(kb);
    A = fromUncompressed(c, e.getPublicKey()); // k·G
    x1 = bytesToBigint(e.computeSecret(P.toBytes(false))); // x(k·P)
    x2 = bytesToBigint(e.computeSecret(Q.toBytes(false))); // x(k·P + k·G)
  } finally {
    kb.fill(0);
  }
  const Fp = c.Point.Fp;
  const { a, b } = c.Point.CURVE();
  const y = Fp.sqrt(Fp.add(Fp.add(Fp.mul(Fp.sqr(x1), x1), Fp.mul(a, x1)), b));
  const W = c.Point.fromAffine({ x: x1, y });
  for (const cand of [W, W.negate()]) {
    const S = cand.add(A); // projective: x(S) = X/Z
    if (!S.is0() && Fp.eql(S.X, Fp.mul(x2, S.Z))) return cand;
  }
  throw new Error('P-256 back-end: no sign of y matches (OpenSSL and noble disagree)');
}

// ---------------------------------------------------------------------------------------------

/** libsecp256k1 (native addon, else WASM) for ecdsa-secp256k1, OpenSSL for ecdsa-p256. */
export const nodeEcdsaHmArithmetic: EcdsaHmArithmetic = {
  name: `${secp256k1Ops.name} + OpenSSL`,
  mulBaseSecret: (c, k) => (c.scheme === 'ecdsa-secp256k1' ? k1Mul(c, undefined, k) : p256MulBase(c, k)),
  mulSecret: (c, P, k) => (c.scheme === 'ecdsa-secp256k1' ? k1Mul(c, P, k) : p256Mul(c, P, k)),
  mulBase: (c, k) => (c.scheme === 'ecdsa-secp256k1' ? k1Mul(c, undefined, k) : p256MulBase(c, k)),
  mul: (c, P, k) => (c.scheme === 'ecdsa-secp256k1' ? k1Mul(c, P, k) : p256Mul(c, P, k)),
  verify(c, v) {
    if (v.r <= 0n || v.r >= c.q || v.s <= 0n || v.s > c.halfQ) return false;
    if (c.scheme === 'ecdsa-secp256k1') {
      const sig = new Uint8Array(64);
      sig.set(scalar(v.r), 0);
      sig.set(scalar(v.s), 32);
      return secp256k1Ops.verify(scalar(v.h), v.publicKey, sig);
    }
    if (c.scheme === 'ecdsa-p256') {
      try {
        // The group key's KeyObject is cached; a tweaked key is used once (not cached, no decompression: the point is given).
        return osslVerify('sha256', v.message, p256PublicKey(v.publicKeyPoint.toBytes(false), v.tweak === 0n), v.der);
      } catch {
        return false;
      }
    }
    return nobleEcdsaHmArithmetic.verify(c, v);
  },
  /**
   * A stored compressed R: libsecp256k1 / OpenSSL parse it (both refuse x ≥ p and points off the
   * curve); anything they refuse, and any other length or prefix, goes to noble, so the error is
   * exactly `EcdsaCurve.decodePoint`'s.
   */
  decodePoint(c, bytes) {
    if (bytes.length !== 33 || (bytes[0] !== 2 && bytes[0] !== 3)) return c.decodePoint(bytes);
    let out: Uint8Array;
    try {
      out = c.scheme === 'ecdsa-secp256k1' ? secp256k1Ops.decompress(bytes) : ECDH.convertKey(bytes, P256, undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      return c.decodePoint(bytes);
    }
    return fromUncompressed(c, out);
  },
};
