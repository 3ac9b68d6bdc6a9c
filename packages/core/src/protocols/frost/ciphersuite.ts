/**
 * The FROST-specific part of each ciphersuite (RFC 9591 §6): the hash functions H1–H5, the
 * challenge, identifier serialization and the signature encoding. The group, scalar field, point
 * decoding and H1/H3 hash-to-scalar come from `suites/` (thin adapters over @noble/curves).
 *
 * | suite               | H2 (challenge)                                   | signature            |
 * |---------------------|--------------------------------------------------|----------------------|
 * | frost-ed25519       | SHA-512(m) as a little-endian integer mod q, no prefix (RFC 9591 §6.1) | R(32) ‖ z(32 LE) |
 * | frost-secp256k1     | hash_to_field(m), DST = ctx ‖ "chal" (§6.5)      | R(33) ‖ z(32 BE)     |
 * | frost-p256          | hash_to_field(m), DST = ctx ‖ "chal" (§6.4)      | R(33) ‖ z(32 BE)     |
 * | frost-secp256k1-tr  | BIP340 tagged_hash("BIP0340/challenge", x(R) ‖ x(PK) ‖ m) mod q | x(R)(32) ‖ z(32 BE) |
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { PartyId } from '../../errors.js';
import type { GroupPoint, Suite } from '../../suites/index.js';

/** FROST hash functions and encodings of one ciphersuite. */
export interface FrostCiphersuite {
  readonly suite: Suite;
  /** True for `frost-secp256k1-tr` (BIP340 challenge, even-y key and nonce handling). */
  readonly taproot: boolean;
  /** H1: binding factor (RFC 9591 §4.4). */
  H1(m: Uint8Array): bigint;
  /** H3: nonce derivation (RFC 9591 §4.1). */
  H3(m: Uint8Array): bigint;
  /** H4: message hash, raw bytes (RFC 9591 §4.4). */
  H4(m: Uint8Array): Uint8Array;
  /** H5: commitment-list hash, raw bytes (RFC 9591 §4.4). */
  H5(m: Uint8Array): Uint8Array;
  /**
   * The challenge c (RFC 9591 §4.6 compute_challenge; BIP340 challenge for Taproot). `R` and
   * `PK` are SerializeElement encodings (33-byte compressed for secp256k1 / P-256 / Taproot).
   */
  challenge(R: Uint8Array, PK: Uint8Array, message: Uint8Array): bigint;
  /** SerializeScalar(identifier) (RFC 9591 §4.3). */
  serializeIdentifier(id: PartyId): Uint8Array;
  /** Signature encoding (RFC 9591 §5.3 / BIP340): SerializeElement(R) ‖ SerializeScalar(z). */
  encodeSignature(R: Uint8Array, z: bigint): Uint8Array;
}

function bytesToNumberLE(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function bytesToNumberBE(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function make(suite: Suite): FrostCiphersuite {
  const ctx = utf8ToBytes(suite.contextString);
  const isEd = suite.name === 'frost-ed25519';
  const taproot = suite.name === 'frost-secp256k1-tr';
  const hash = isEd ? sha512 : sha256;
  const tagMsg = concatBytes(ctx, utf8ToBytes('msg'));
  const tagCom = concatBytes(ctx, utf8ToBytes('com'));
  const q = suite.order;
  const idCache = new Map<PartyId, Uint8Array>();
  let challenge: FrostCiphersuite['challenge'];
  if (isEd) {
    // RFC 9591 §6.1: H2(m) = SHA-512(m) (no context prefix, RFC 8032 compatibility), LE mod L.
    challenge = (R, PK, m) => bytesToNumberLE(sha512(concatBytes(R, PK, m))) % q;
  } else if (taproot) {
    // BIP340: e = int(tagged_hash("BIP0340/challenge", x(R) ‖ x(PK) ‖ m)) mod n.
    challenge = (R, PK, m) => bytesToNumberBE(schnorr.utils.taggedHash('BIP0340/challenge', R.subarray(1), PK.subarray(1), m)) % q;
  } else {
    challenge = (R, PK, m) => suite.hashToScalar(concatBytes(R, PK, m), 'chal');
  }
  return {
    suite,
    taproot,
    H1: (m) => suite.hashToScalar(m, 'rho'),
    H3: (m) => suite.hashToScalar(m, 'nonce'),
    H4: (m) => hash(concatBytes(tagMsg, m)),
    H5: (m) => hash(concatBytes(tagCom, m)),
    challenge,
    serializeIdentifier(id) {
      let b = idCache.get(id);
      if (b === undefined) {
        b = suite.encodeScalar(BigInt(id));
        if (idCache.size < 4096) idCache.set(id, b);
      }
      return b;
    },
    encodeSignature(R, z) {
      const zb = suite.encodeScalar(z);
      // BIP340 signatures carry x(R) only: R has even y by construction (RFC 9591 + BIP340, protocols.md §1.10).
      return taproot ? concatBytes(R.subarray(1), zb) : concatBytes(R, zb);
    },
  };
}

const CACHE = new Map<string, FrostCiphersuite>();

/** The FROST ciphersuite of a suite (built once per suite). */
export function frostCiphersuite(suite: Suite): FrostCiphersuite {
  let c = CACHE.get(suite.name);
  if (c === undefined) {
    c = make(suite);
    CACHE.set(suite.name, c);
  }
  return c;
}

/** Whether a SEC1-encoded element has an even y coordinate (prefix 0x02). */
export function hasEvenY(encoded: Uint8Array): boolean {
  return encoded[0] === 0x02;
}

/** Negate a point when `negate` is set (public data only: the branch is on public values). */
export function negateIf(p: GroupPoint, negate: boolean): GroupPoint {
  return negate ? p.negate() : p;
}
