/**
 * The group abstraction every protocol is written against: a prime-order group with strict
 * encodings (checklist B3, C1, C2), a scalar field and the suite's hash-to-scalar.
 *
 * All suites are thin adapters over @noble/curves (see ./index.ts); nothing here re-implements
 * curve arithmetic.
 */
import type { FROST } from '@noble/curves/abstract/frost.js';
import type { IField } from '@noble/curves/abstract/modular.js';

/** Scheme names as they appear in APIs, the CLI and the store. */
export const FROST_SCHEMES = ['frost-ed25519', 'frost-secp256k1', 'frost-secp256k1-tr', 'frost-p256'] as const;
export type FrostScheme = (typeof FROST_SCHEMES)[number];
/** Threshold ECDSA schemes (honest-majority DJNPØ20 or DKLs23; the protocol is a property of the key). */
export const ECDSA_SCHEMES = ['ecdsa-secp256k1', 'ecdsa-p256'] as const;
export type EcdsaScheme = (typeof ECDSA_SCHEMES)[number];
export const SCHEMES = [...FROST_SCHEMES, ...ECDSA_SCHEMES] as const;
export type Scheme = FrostScheme | EcdsaScheme;

/** The subset of a noble point we rely on. */
export interface GroupPoint {
  add(other: GroupPoint): GroupPoint;
  subtract(other: GroupPoint): GroupPoint;
  negate(): GroupPoint;
  /** Constant-time scalar multiplication (secret scalars). Rejects 0. */
  multiply(scalar: bigint): GroupPoint;
  /** Variable-time scalar multiplication (public scalars only). Accepts 0. */
  multiplyUnsafe(scalar: bigint): GroupPoint;
  equals(other: GroupPoint): boolean;
  is0(): boolean;
  toBytes(compressed?: boolean): Uint8Array;
}

export interface Suite {
  /** Scheme name, e.g. `frost-ed25519` or `ecdsa-secp256k1`. */
  readonly name: Scheme;
  /** RFC 9591 contextString (also the root of every domain-separation tag we use). */
  readonly contextString: string;
  /**
   * noble's RFC 9591 implementation for this suite (used for vectors and as a differential oracle).
   * For the ECDSA schemes: noble's FROST over the same curve (never used to sign; present so that
   * every suite has the same shape).
   */
  readonly frost: FROST;
  readonly Fn: IField<bigint>;
  /** Group order q. */
  readonly order: bigint;
  readonly scalarLength: number;
  /** Length of an encoded group element (32 for Ed25519, 33 for SEC1 compressed). */
  readonly pointLength: number;
  /** Length of the external public-key encoding (32 x-only for Taproot, else pointLength). */
  readonly publicKeyLength: number;
  readonly signatureLength: number;
  readonly G: GroupPoint;
  readonly ZERO: GroupPoint;
  /** Decode a received element: rejects wrong length, non-canonical, off-curve, identity and (Ed25519) points outside the prime-order subgroup. */
  decodePoint(bytes: Uint8Array): GroupPoint;
  /** Encode an element; throws on the identity (RFC 9591 SerializeElement). */
  encodePoint(p: GroupPoint): Uint8Array;
  /** Decode a scalar: rejects wrong length and values ≥ q (B3). */
  decodeScalar(bytes: Uint8Array): bigint;
  /** Decode a scalar that must be non-zero (C2). */
  decodeNonZeroScalar(bytes: Uint8Array): bigint;
  encodeScalar(s: bigint): Uint8Array;
  /** The suite's hash-to-scalar with DST = contextString ‖ tag (RFC 9591 H1/H3 construction). */
  hashToScalar(msg: Uint8Array, tag: string): bigint;
  /** A uniformly random non-zero scalar from crypto.getRandomValues. */
  randomScalar(): bigint;
  /** External public-key encoding of the group key (x-only for Taproot). */
  encodePublicKey(pk: GroupPoint): Uint8Array;
  /**
   * Independent-of-our-code signature verification (noble's verifier for the suite). For the ECDSA
   * schemes: 64-byte r‖s over SHA-256(message), low-s required.
   */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /**
   * Suite-specific adjustment of a freshly generated DKG key (Taproot: even-y normalise then apply
   * the BIP341 empty-merkle-root TapTweak, as ZF frost-secp256k1-tr and noble do). Returns the
   * tweak added to every share (0 when none) and whether shares were negated first.
   */
  adjustDkgKey(groupKey: GroupPoint): { negate: boolean; tweak: bigint };
}
