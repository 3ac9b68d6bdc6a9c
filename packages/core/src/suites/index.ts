/**
 * FROST ciphersuites (RFC 9591 §6) as adapters over @noble/curves:
 * - `frost-ed25519`      FROST(Ed25519, SHA-512)            RFC 9591 §6.1
 * - `frost-secp256k1`    FROST(secp256k1, SHA-256)          RFC 9591 §6.5
 * - `frost-p256`         FROST(P-256, SHA-256)              RFC 9591 §6.4
 * - `frost-secp256k1-tr` FROST(secp256k1, SHA-256) with the BIP340 challenge (ZF frost-secp256k1-tr,
 *   noble `schnorr_FROST`): signatures are 64-byte BIP340 signatures under the x-only group key.
 */
import { ed25519, ed25519_FROST } from '@noble/curves/ed25519.js';
import { p256, p256_FROST, p256_hasher } from '@noble/curves/nist.js';
import { schnorr, schnorr_FROST, secp256k1, secp256k1_FROST, secp256k1_hasher } from '@noble/curves/secp256k1.js';
import type { FROST } from '@noble/curves/abstract/frost.js';
import type { IField } from '@noble/curves/abstract/modular.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ErrorCode, ProtocolError } from '../errors.js';
import { equalBytes } from '../math/bytes.js';
import { ECDSA_SCHEMES, FROST_SCHEMES, SCHEMES, type EcdsaScheme, type FrostScheme, type GroupPoint, type Scheme, type Suite } from './types.js';

export * from './types.js';

interface NoblePointCons {
  BASE: unknown;
  ZERO: unknown;
  Fn: IField<bigint>;
  fromBytes(b: Uint8Array): unknown;
}

function invalidPoint(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_POINT, `invalid group element: ${why}`);
}

interface SuiteSpec {
  name: Scheme;
  contextString: string;
  frost: FROST;
  Point: NoblePointCons;
  pointLength: number;
  publicKeyLength: number;
  signatureLength: number;
  /** Decode without identity check; must already reject non-canonical / off-curve / small subgroup. */
  parse(bytes: Uint8Array): GroupPoint;
  hashToScalar(msg: Uint8Array, dst: Uint8Array): bigint;
  encodePublicKey(pk: GroupPoint): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  adjustDkgKey?(groupKey: GroupPoint): { negate: boolean; tweak: bigint };
}

function makeSuite(spec: SuiteSpec): Suite {
  const Fn = spec.Point.Fn;
  const order = Fn.ORDER;
  const G = spec.Point.BASE as GroupPoint;
  const ZERO = spec.Point.ZERO as GroupPoint;
  const scalarLength = Fn.BYTES;
  const ctx = utf8ToBytes(spec.contextString);
  const decodeScalar = (bytes: Uint8Array): bigint => {
    if (!(bytes instanceof Uint8Array) || bytes.length !== scalarLength)
      throw new ProtocolError(ErrorCode.INVALID_SCALAR, `invalid scalar: expected ${scalarLength} bytes`);
    let v: bigint;
    try {
      v = Fn.fromBytes(bytes, true);
    } catch {
      throw new ProtocolError(ErrorCode.INVALID_SCALAR, 'invalid scalar: not canonical');
    }
    if (v >= order) throw new ProtocolError(ErrorCode.INVALID_SCALAR, 'invalid scalar: not below the group order');
    return v;
  };
  return {
    name: spec.name,
    contextString: spec.contextString,
    frost: spec.frost,
    Fn,
    order,
    scalarLength,
    pointLength: spec.pointLength,
    publicKeyLength: spec.publicKeyLength,
    signatureLength: spec.signatureLength,
    G,
    ZERO,
    decodePoint(bytes) {
      if (!(bytes instanceof Uint8Array) || bytes.length !== spec.pointLength)
        invalidPoint(`expected ${spec.pointLength} bytes`);
      let p: GroupPoint;
      try {
        p = spec.parse(bytes);
      } catch (e) {
        if (e instanceof ProtocolError) throw e;
        invalidPoint('not a canonical encoding of a curve point');
      }
      if (p.is0()) invalidPoint('identity');
      // Canonical: re-encoding must give the same bytes (rejects x ≥ p, y ≥ p, sign-bit tricks).
      if (!equalBytes(p.toBytes(true), bytes)) invalidPoint('non-canonical encoding');
      return p;
    },
    encodePoint(p) {
      if (p.is0()) invalidPoint('cannot encode the identity');
      return p.toBytes(true);
    },
    decodeScalar,
    decodeNonZeroScalar(bytes) {
      const v = decodeScalar(bytes);
      if (v === 0n) throw new ProtocolError(ErrorCode.ZERO_SCALAR, 'scalar must not be zero');
      return v;
    },
    encodeScalar(s) {
      return Fn.toBytes(Fn.create(s));
    },
    hashToScalar(msg, tag) {
      return spec.hashToScalar(msg, concatBytes(ctx, utf8ToBytes(tag)));
    },
    randomScalar() {
      for (;;) {
        const b = new Uint8Array(scalarLength + 16);
        crypto.getRandomValues(b);
        // Reduce 48 random bytes mod q (bias < 2^-128), RFC 9380 §5 style.
        let v = 0n;
        for (const x of b) v = (v << 8n) | BigInt(x);
        v %= order;
        if (v !== 0n) return v;
      }
    },
    encodePublicKey: (pk) => spec.encodePublicKey(pk),
    verify: (sig, msg, pk) => spec.verify(sig, msg, pk),
    adjustDkgKey: (pk) => (spec.adjustDkgKey ? spec.adjustDkgKey(pk) : { negate: false, tweak: 0n }),
  };
}

/** OS2IP(bytes) little-endian mod q (Ed25519 H1/H3, RFC 9591 §6.1). */
function leMod(bytes: Uint8Array, q: bigint): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v % q;
}

const edPoint = ed25519.Point as unknown as NoblePointCons & { fromBytes(b: Uint8Array, zip215?: boolean): { isTorsionFree(): boolean; isSmallOrder(): boolean } & GroupPoint };

const ed25519Suite = makeSuite({
  name: 'frost-ed25519',
  contextString: 'FROST-ED25519-SHA512-v1',
  frost: ed25519_FROST,
  Point: edPoint,
  pointLength: 32,
  publicKeyLength: 32,
  signatureLength: 64,
  parse(bytes) {
    // RFC 8032 §5.1.3 strict decoding (zip215 = false rejects y ≥ p and x = 0 with sign bit set).
    const p = edPoint.fromBytes(bytes, false);
    if (p.isSmallOrder()) invalidPoint('small-order point');
    if (!p.isTorsionFree()) invalidPoint('not in the prime-order subgroup');
    return p;
  },
  hashToScalar: (msg, dst) => leMod(sha512(concatBytes(dst, msg)), ed25519.Point.Fn.ORDER),
  encodePublicKey: (pk) => pk.toBytes(),
  verify: (sig, msg, pk) => {
    try {
      // FROST(Ed25519) signatures are RFC 8032 signatures (RFC 9591 §6.1): verify them with noble's
      // RFC 8032 verifier in strict mode (canonical encodings, s < L, cofactored equation, small-order
      // A rejected). ed25519_FROST.verify additionally rejects R or A with a small-order component
      // (a full scalar multiplication each, ~3.5x slower); FROST never outputs such an R (it is a
      // sum of subgroup-checked commitments) and group keys are subgroup-checked on load.
      return ed25519.verify(sig, msg, pk, { zip215: false });
    } catch {
      return false;
    }
  },
});

function weierstrassParse(Point: NoblePointCons) {
  return (bytes: Uint8Array): GroupPoint => {
    if (bytes[0] !== 0x02 && bytes[0] !== 0x03) invalidPoint('expected SEC1 compressed encoding (02/03 prefix)');
    const p = Point.fromBytes(bytes) as GroupPoint & { assertValidity(): void };
    p.assertValidity();
    return p;
  };
}

const secpPoint = secp256k1.Point as unknown as NoblePointCons;
const p256Point = p256.Point as unknown as NoblePointCons;

const secp256k1Suite = makeSuite({
  name: 'frost-secp256k1',
  contextString: 'FROST-secp256k1-SHA256-v1',
  frost: secp256k1_FROST,
  Point: secpPoint,
  pointLength: 33,
  publicKeyLength: 33,
  signatureLength: 65,
  parse: weierstrassParse(secpPoint),
  hashToScalar: (msg, dst) => secp256k1_hasher.hashToScalar(msg, { DST: dst }),
  encodePublicKey: (pk) => pk.toBytes(true),
  verify: (sig, msg, pk) => {
    try {
      return secp256k1_FROST.verify(sig, msg, pk);
    } catch {
      return false;
    }
  },
});

const p256Suite = makeSuite({
  name: 'frost-p256',
  contextString: 'FROST-P256-SHA256-v1',
  frost: p256_FROST,
  Point: p256Point,
  pointLength: 33,
  publicKeyLength: 33,
  signatureLength: 65,
  parse: weierstrassParse(p256Point),
  hashToScalar: (msg, dst) => p256_hasher.hashToScalar(msg, { DST: dst }),
  encodePublicKey: (pk) => pk.toBytes(true),
  verify: (sig, msg, pk) => {
    try {
      return p256_FROST.verify(sig, msg, pk);
    } catch {
      return false;
    }
  },
});

function hasEvenY(p: GroupPoint): boolean {
  return p.toBytes(true)[0] === 0x02;
}

const taprootSuite = makeSuite({
  name: 'frost-secp256k1-tr',
  contextString: 'FROST-secp256k1-SHA256-TR-v1',
  frost: schnorr_FROST,
  Point: secpPoint,
  pointLength: 33,
  publicKeyLength: 32,
  signatureLength: 64,
  parse: weierstrassParse(secpPoint),
  hashToScalar: (msg, dst) => secp256k1_hasher.hashToScalar(msg, { DST: dst }),
  // BIP340: the x-only encoding of the (even-y) group key.
  encodePublicKey: (pk) => pk.toBytes(true).subarray(1),
  verify: (sig, msg, pk) => {
    try {
      // Independent BIP340 verifier (noble schnorr), not the FROST code path.
      return schnorr.verify(sig, msg, pk.length === 33 ? pk.subarray(1) : pk);
    } catch {
      return false;
    }
  },
  adjustDkgKey(groupKey) {
    // protocols.md §1.10 / BIP341: even-y normalise the internal key P, then
    // t = tagged_hash("TapTweak", x(P)) (empty merkle root), Q = P + t·G; shares s_i ← ±s_i + t.
    const negate = !hasEvenY(groupKey);
    const P = negate ? groupKey.negate() : groupKey;
    const t = schnorr.utils.taggedHash('TapTweak', P.toBytes(true).subarray(1));
    let tv = 0n;
    for (const x of t) tv = (tv << 8n) | BigInt(x);
    if (tv >= secpPoint.Fn.ORDER) throw new ProtocolError(ErrorCode.INVALID_GROUP_KEY, 'TapTweak overflow');
    return { negate, tweak: tv };
  },
});

/** ECDSA over the curve: 64-byte compact r‖s, message hashed with SHA-256 inside, low-s required. */
function ecdsaVerify(curve: typeof secp256k1) {
  return (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean => {
    try {
      return curve.verify(sig, msg, pk, { prehash: true, lowS: true, format: 'compact' });
    } catch {
      return false;
    }
  };
}

const ecdsaSecp256k1Suite = makeSuite({
  name: 'ecdsa-secp256k1',
  contextString: 'OPENTSM-ECDSA-secp256k1-SHA256-v1',
  frost: secp256k1_FROST,
  Point: secpPoint,
  pointLength: 33,
  publicKeyLength: 33,
  signatureLength: 64,
  parse: weierstrassParse(secpPoint),
  hashToScalar: (msg, dst) => secp256k1_hasher.hashToScalar(msg, { DST: dst }),
  encodePublicKey: (pk) => pk.toBytes(true),
  verify: ecdsaVerify(secp256k1),
});

const ecdsaP256Suite = makeSuite({
  name: 'ecdsa-p256',
  contextString: 'OPENTSM-ECDSA-P256-SHA256-v1',
  frost: p256_FROST,
  Point: p256Point,
  pointLength: 33,
  publicKeyLength: 33,
  signatureLength: 64,
  parse: weierstrassParse(p256Point),
  hashToScalar: (msg, dst) => p256_hasher.hashToScalar(msg, { DST: dst }),
  encodePublicKey: (pk) => pk.toBytes(true),
  verify: ecdsaVerify(p256),
});

const SUITES: Record<Scheme, Suite> = {
  'frost-ed25519': ed25519Suite,
  'frost-secp256k1': secp256k1Suite,
  'frost-p256': p256Suite,
  'frost-secp256k1-tr': taprootSuite,
  'ecdsa-secp256k1': ecdsaSecp256k1Suite,
  'ecdsa-p256': ecdsaP256Suite,
};

/** Look up a suite by scheme name; throws INVALID_PARAMETERS for an unknown scheme. */
export function getSuite(name: string): Suite {
  if (!isScheme(name)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `unknown scheme '${name}' (expected one of ${SCHEMES.join(', ')})`);
  return SUITES[name];
}

export function isScheme(name: string): name is Scheme {
  return (SCHEMES as readonly string[]).includes(name);
}

export function isFrostScheme(name: string): name is FrostScheme {
  return (FROST_SCHEMES as readonly string[]).includes(name);
}

export function isEcdsaScheme(name: string): name is EcdsaScheme {
  return (ECDSA_SCHEMES as readonly string[]).includes(name);
}
