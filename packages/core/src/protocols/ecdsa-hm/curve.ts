/**
 * ECDSA over the curve of an `ecdsa-*` scheme: the message hash, signature verification with a
 * prepared public key, low-s normalisation, recovery id and encodings (compact r‖s, DER).
 *
 * Standard ECDSA (SEC 1 v2 §4.1.3–4.1.4, FIPS 186-5 §6.4): h = bits2int(SHA-256(m)) mod q
 * (RFC 6979 §2.3.2), a signature (r, s) with r, s ∈ [1, q) verifies under Y iff
 * x(u1·G + u2·Y) mod q = r with u1 = h·s⁻¹, u2 = r·s⁻¹. We additionally require low s (s ≤ q/2),
 * the form every signature of ours has.
 *
 * Verification here works on decoded points so that a key's precomputed table is reused on every
 * signature (noble's `verify` decodes the key from bytes each time and cannot use one). It is the
 * same equation as noble's `verify`; test/ecdsa-hm-curve.test.ts checks that the two agree on
 * valid and invalid signatures, and every signature is also checked with OpenSSL in the tests.
 * All inputs are public: variable-time arithmetic (multiplyUnsafe) is used throughout.
 */
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { normalizeZ, ScalarMultiplier } from '@noble/curves/abstract/curve.js';
import type { ECDSA, WeierstrassPoint, WeierstrassPointCons } from '@noble/curves/abstract/weierstrass.js';
import type { IField } from '@noble/curves/abstract/modular.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ErrorCode, ProtocolError } from '../../errors.js';
import { getSuite, isEcdsaScheme, type EcdsaScheme, type Suite } from '../../suites/index.js';

/** A noble Weierstrass point (the suites of the ECDSA schemes are backed by these). */
export type Point = WeierstrassPoint<bigint>;

/** Everything the protocol needs about one ECDSA curve. */
export interface EcdsaCurve {
  readonly scheme: EcdsaScheme;
  readonly suite: Suite;
  readonly ecdsa: ECDSA;
  readonly Point: WeierstrassPointCons<bigint>;
  readonly Fn: IField<bigint>;
  /** Group order q. */
  readonly q: bigint;
  /** ⌊q/2⌋: the largest low s. */
  readonly halfQ: bigint;
  readonly G: Point;
  /** Decode a received point (suite rules: 33-byte SEC1 compressed, canonical, on the curve, not O — checklist B3/C1). */
  decodePoint(bytes: Uint8Array): Point;
  /** Length of a point in protocol messages: 65-byte SEC1 uncompressed (see {@link decodeWirePoint}). */
  readonly wirePointLength: number;
  /** See {@link mulOneTimeSecret}. */
  readonly multiplier: ScalarMultiplier<WeierstrassPointCons<bigint>>;
}

const NOBLE: Record<EcdsaScheme, ECDSA> = { 'ecdsa-secp256k1': secp256k1, 'ecdsa-p256': p256 };
const CURVES = new Map<EcdsaScheme, EcdsaCurve>();

/** The curve of an ECDSA scheme; INVALID_PARAMETERS for any other scheme. */
export function ecdsaCurve(scheme: string): EcdsaCurve {
  if (!isEcdsaScheme(scheme)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `scheme '${scheme}' is not an ECDSA scheme (expected ecdsa-secp256k1 or ecdsa-p256)`);
  let c = CURVES.get(scheme);
  if (c === undefined) {
    const suite = getSuite(scheme);
    const ecdsa = NOBLE[scheme];
    const Point = ecdsa.Point;
    c = {
      scheme,
      suite,
      ecdsa,
      Point,
      Fn: Point.Fn,
      q: Point.Fn.ORDER,
      halfQ: Point.Fn.ORDER >> 1n,
      G: Point.BASE,
      decodePoint: (bytes) => suite.decodePoint(bytes) as unknown as Point,
      wirePointLength: 1 + 2 * Point.Fp.BYTES,
      multiplier: new ScalarMultiplier(Point),
    };
    CURVES.set(scheme, c);
  }
  return c;
}

/**
 * Constant-time scalar multiplication for a ONE-TIME secret scalar (the presigning nonce and mask
 * shares k_i, a_i: fresh for every presignature, each multiplied by exactly one point once).
 *
 * noble's `multiply` additionally blinds the scalar (n = s + ρ·q with a random 128-bit ρ), which
 * makes it 1.5× slower. Blinding randomises *repeated* multiplications by the same secret, so that
 * differential side-channel analysis cannot average many traces; it does nothing for a scalar that
 * is used once (a single trace that revealed n would reveal s = n mod q just the same). For these
 * scalars we therefore call noble's unblinded constant-time path (`ScalarMultiplier.mulCT`: fixed
 * window / fixed table walk, the same operation sequence for every scalar). Long-lived secrets
 * (key shares) never come here.
 */
export function mulOneTimeSecret(c: EcdsaCurve, P: Point, scalar: bigint): Point {
  return c.multiplier.mulCT(P, scalar, (pts) => normalizeZ(c.Point, pts)).p;
}

function invalidPoint(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_POINT, `invalid group element: ${why}`);
}

/**
 * Points inside protocol messages travel SEC1 *uncompressed* (04 ‖ x ‖ y): decoding then needs
 * only the curve equation, not a square root (a third of the presigning CPU went into
 * decompression). Checklist B3/C1: we check the exact length and the 04 prefix; the rest relies on
 * noble's `Point.fromBytes` (@noble/curves 2.x, both curves), which rejects x or y ≥ p
 * (`Fp.fromBytes`: canonical field elements, so the encoding is canonical), a point off the curve,
 * and the identity (it has no uncompressed encoding: 04 ‖ 0…0 is off the curve on both curves, and
 * `fromBytes` ends with `assertValidity`, which refuses ZERO). test/ecdsa-hm-unit.test.ts covers
 * each case.
 */
export function decodeWirePoint(c: EcdsaCurve, bytes: Uint8Array): Point {
  if (!(bytes instanceof Uint8Array) || bytes.length !== c.wirePointLength || bytes[0] !== 0x04) invalidPoint(`expected ${c.wirePointLength}-byte SEC1 uncompressed encoding`);
  try {
    return c.Point.fromBytes(bytes);
  } catch {
    return invalidPoint('not a canonical encoding of a point on the curve other than the identity');
  }
}

/** Encoding of {@link decodeWirePoint} (normalise batches with `normalizeZ` first for speed). */
export function encodeWirePoint(P: Point): Uint8Array {
  return P.toBytes(false);
}

/** Big-endian bytes to an unsigned integer. */
export function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Big-endian fixed-length encoding of a scalar < 2^(8·len). */
export function bigintToBytes(v: bigint, len = 32): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** RFC 6979 §2.3.2 bits2int followed by reduction mod q (what ECDSA signs). */
export function bits2intModQ(c: EcdsaCurve, digest: Uint8Array): bigint {
  let v = bytesToBigint(digest);
  const qBits = c.q.toString(2).length;
  const excess = digest.length * 8 - qBits;
  if (excess > 0) v >>= BigInt(excess);
  return v % c.q;
}

/** h = bits2int(SHA-256(message)) mod q: the message is hashed here, inside the node (checklist F4). */
export function messageHash(c: EcdsaCurve, message: Uint8Array): bigint {
  return bits2intModQ(c, sha256(message));
}

/**
 * ECDSA verification of (r, s) on hash h under the public key Y + ε·G (ε = additive tweak, 0 for
 * none), requiring low s. It is computed as (u1 + u2·ε)·G + u2·Y, so that a tweaked key still
 * uses Y's precomputed table and G's. Y + ε·G must not be the identity (the caller checks it).
 */
export function verifyWithPoint(c: EcdsaCurve, Y: Point, h: bigint, r: bigint, s: bigint, tweak = 0n): boolean {
  if (r <= 0n || r >= c.q || s <= 0n || s > c.halfQ) return false;
  if (Y.is0()) return false;
  const Fn = c.Fn;
  const w = Fn.inv(s);
  const u1 = Fn.mul(h, w);
  const u2 = Fn.mul(r, w);
  const X = c.G.multiplyUnsafe(Fn.add(u1, Fn.mul(u2, tweak))).add(Y.multiplyUnsafe(u2));
  if (X.is0()) return false;
  return Fn.create(X.toAffine().x) === r;
}

/** A finished signature in every encoding callers need. */
export interface EncodedSignature {
  /** r ‖ s, 32 bytes each, big-endian, low s. */
  readonly signature: Uint8Array;
  /** ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`. */
  readonly der: Uint8Array;
}

export function encodeSignature(c: EcdsaCurve, r: bigint, s: bigint): EncodedSignature {
  const sig = new c.ecdsa.Signature(r, s);
  return { signature: sig.toBytes('compact'), der: sig.toBytes('der') };
}
