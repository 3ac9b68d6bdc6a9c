/**
 * Public child key derivation (BIP32 CKDpub, protocols.md §5.1) from a threshold key's public
 * data — group key (Taproot: internal key) and the DKG chain code — and the BIP32 extended public
 * key encoding. Spec: docs/protocols/derivation.md.
 *
 *   I  = HMAC-SHA512(key = c_par, data = serP(K_par) ‖ ser32(i))
 *   IL = parse256(I[0:32]), c_child = I[32:64]
 *   K_child = K_par + IL·G;   invalid when IL ≥ n, IL = 0 (checklist C2/H3) or K_child = O
 *
 * BIP32 says to skip an invalid index and use the next one; this API refuses it instead
 * (INVALID_DERIVED_KEY), so a path always names exactly the key it says (probability < 2^-127
 * per step for secp256k1).
 *
 * The same additive scheme runs over the other groups, as OpenTSM conventions (no standard
 * exists; NOT BIP32): P-256 uses the identical formulas with 33-byte SEC1 compressed serP;
 * Ed25519 uses serP = the 32-byte RFC 8032 encoding and IL = SHA-512(contextString ‖ "derive" ‖
 * I[0:32]) read little-endian mod L (the suite's hash-to-scalar), because parse256(I[0:32]) would
 * exceed L ≈ 2^252 for 15 in 16 indices.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { createBase58check } from '@scure/base';
import { ErrorCode, ProtocolError } from '../../errors.js';
import { concatBytes } from '../../math/bytes.js';
import { u32be } from '../../math/transcript.js';
import type { GroupPoint, Suite } from '../../suites/index.js';

export const CHAIN_CODE_LENGTH = 32;
/** BIP32 mainnet xpub version bytes. */
export const XPUB_VERSION = 0x0488b21e;

const base58check = createBase58check(sha256);

/** One CKDpub step. */
export interface CkdStep {
  /** IL as a scalar: the additive tweak of this step. */
  readonly il: bigint;
  readonly publicKey: GroupPoint;
  readonly chainCode: Uint8Array;
}

function parse256(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** The IL scalar of I[0:32] for the suite (see the module comment); throws for IL ≥ n. */
function ilScalar(suite: Suite, IL: Uint8Array, index: number): bigint {
  if (suite.name === 'frost-ed25519') return suite.hashToScalar(IL, 'derive');
  const v = parse256(IL);
  if (v >= suite.order)
    throw new ProtocolError(ErrorCode.INVALID_DERIVED_KEY, `derivation index ${index} is invalid (IL ≥ n); BIP32 would skip to index ${index + 1}: use another path`);
  return v;
}

/**
 * CKDpub(K_par, c_par, i) for i < 2^31 (the caller has checked the index). Throws
 * INVALID_DERIVED_KEY when IL ≥ n, IL = 0 or the child is the identity.
 */
export function ckdPub(suite: Suite, parentKey: GroupPoint, chainCode: Uint8Array, index: number): CkdStep {
  return ckdPubEncoded(suite, parentKey, suite.encodePoint(parentKey), chainCode, index);
}

/** {@link ckdPub} with serP(K_par) already computed (`parentBytes` = suite.encodePoint(parentKey)). */
export function ckdPubEncoded(suite: Suite, parentKey: GroupPoint, parentBytes: Uint8Array, chainCode: Uint8Array, index: number): CkdStep {
  if (!(chainCode instanceof Uint8Array) || chainCode.length !== CHAIN_CODE_LENGTH) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'chain code must be 32 bytes');
  const I = hmac(sha512, chainCode, concatBytes(parentBytes, u32be(index)));
  const il = ilScalar(suite, I.subarray(0, 32), index);
  if (il === 0n) throw new ProtocolError(ErrorCode.INVALID_DERIVED_KEY, `derivation index ${index} is invalid (IL = 0): use another path`);
  const child = parentKey.add(suite.G.multiplyUnsafe(il)); // IL is public
  if (child.is0()) throw new ProtocolError(ErrorCode.INVALID_DERIVED_KEY, `derivation index ${index} is invalid (child key is the identity): use another path`);
  return { il, publicKey: child, chainCode: I.slice(32, 64) };
}

/** BIP32 key fingerprint: the first 4 bytes of HASH160(serP(K)) as a big-endian integer. */
export function fingerprint(keyBytes: Uint8Array): number {
  const h = ripemd160(sha256(keyBytes));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/**
 * BIP32 serialisation of an extended public key: version 0488B21E ‖ depth (1) ‖ parent
 * fingerprint (4) ‖ child number (4) ‖ chain code (32) ‖ serP(K) (33), Base58Check.
 */
export function encodeXpub(depth: number, parentFingerprint: number, childNumber: number, chainCode: Uint8Array, keyBytes: Uint8Array): string {
  if (keyBytes.length !== 33 || chainCode.length !== CHAIN_CODE_LENGTH) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'an xpub needs a 33-byte key and a 32-byte chain code');
  const out = new Uint8Array(78);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, XPUB_VERSION);
  out[4] = depth;
  dv.setUint32(5, parentFingerprint);
  dv.setUint32(9, childNumber);
  out.set(chainCode, 13);
  out.set(keyBytes, 45);
  return base58check.encode(out);
}
