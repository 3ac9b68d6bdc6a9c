/**
 * Non-hardened derivation of a threshold key from public data only (protocols.md §5; checklist
 * H3): the child public key, chain code and the additive tweak t = Σ IL that every player adds
 * to its share. Spec: docs/protocols/derivation.md.
 */
import { ErrorCode, ProtocolError } from '../../errors.js';
import { getSuite, type GroupPoint, type Suite } from '../../suites/index.js';
import { taprootOutputKey, type PublicKeyPackage } from '../key-share.js';
import { ckdPubEncoded, encodeXpub, fingerprint } from './bip32.js';
import { formatDerivationPath, parseDerivationPath } from './path.js';

/** A derived child of a key (public data). */
export interface ChildKey {
  /** Canonical path, e.g. "m/0/5" ("m" = the key itself). */
  readonly path: string;
  readonly indices: readonly number[];
  /**
   * t = Σ IL mod q over the path: the child is K + t·G where K is the BIP32 parent key (the group
   * key; for frost-secp256k1-tr the internal key). This is the `tweak` an ECDSA signing session
   * takes; `applyTweak` adds it to every Shamir share.
   */
  readonly tweak: bigint;
  /**
   * The child key K + t·G in the suite's element encoding (33-byte SEC1 compressed with its real
   * parity; Ed25519 32 bytes) — what `HDKey.fromExtendedKey(xpub(key)).derive(path).publicKey`
   * gives for secp256k1. For frost-secp256k1-tr this is the child internal key (see
   * deriveTaprootChild for the output key).
   */
  readonly publicKey: Uint8Array;
  readonly chainCode: Uint8Array;
  /** Number of steps (BIP32 depth relative to the key). */
  readonly depth: number;
  /** BIP32 fingerprint of the parent of the last step (0 for "m"). */
  readonly parentFingerprint: number;
  /** The last index (0 for "m"). */
  readonly childNumber: number;
}

/** The BIP32 parent key of a package: the group key, or the internal key for frost-secp256k1-tr. */
function bip32Key(suite: Suite, pkg: PublicKeyPackage): GroupPoint {
  if (suite.name === 'frost-secp256k1-tr') {
    if (pkg.taprootInternalKey === undefined)
      throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'this frost-secp256k1-tr key has no stored internal key (created before derivation support): it cannot be derived');
    return suite.decodePoint(pkg.taprootInternalKey);
  }
  return suite.decodePoint(pkg.groupKey);
}

/**
 * Derive the child at `path` (non-hardened only) from the key's public data. Throws
 * INVALID_DERIVATION_PATH (syntax, hardened step, index ≥ 2^31, depth > 255) or
 * INVALID_DERIVED_KEY (an index with IL ≥ n, IL = 0 or a child at infinity — BIP32 would skip to
 * the next index; we refuse, the caller picks another path).
 *
 * frost-secp256k1-tr: derives the internal key (BIP32 on the plain key with its real parity,
 * protocols.md §5.3); use `deriveTaprootChild` for the output key the signature verifies under.
 * frost-ed25519 / ecdsa-p256 / frost-p256: the same additive scheme over their groups, NOT BIP32
 * (see bip32.ts).
 */
export function deriveChild(pkg: PublicKeyPackage, path: string): ChildKey {
  const indices = parseDerivationPath(path);
  const suite = getSuite(pkg.scheme);
  if (!(pkg.chainCode instanceof Uint8Array) || pkg.chainCode.length !== 32) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'the key has no valid 32-byte chain code');
  let K = bip32Key(suite, pkg);
  let Kbytes = suite.encodePoint(K); // serP(K): the HMAC input of the next step, then the result
  let c = pkg.chainCode;
  let t = 0n;
  let parentFingerprint = 0;
  for (let n = 0; n < indices.length; n++) {
    // Only the last parent's fingerprint is reported (BIP32: the xpub's parent fingerprint).
    if (n === indices.length - 1) parentFingerprint = fingerprint(Kbytes);
    const step = ckdPubEncoded(suite, K, Kbytes, c, indices[n]!);
    t = suite.Fn.add(t, step.il);
    K = step.publicKey;
    Kbytes = suite.encodePoint(K);
    c = step.chainCode;
  }
  return {
    path: formatDerivationPath(indices),
    indices,
    tweak: t,
    publicKey: Kbytes,
    chainCode: c.slice(),
    depth: indices.length,
    parentFingerprint,
    childNumber: indices.length > 0 ? indices[indices.length - 1]! : 0,
  };
}

/** A derived child of a frost-secp256k1-tr key. */
export interface TaprootChildKey extends ChildKey {
  /** Child internal key P' = P + t·G (33-byte compressed, real parity) = `publicKey`. */
  readonly internalKey: Uint8Array;
  /** BIP341 TapTweak of the child (empty merkle root): t' = int(tagged_hash("TapTweak", x(P'))). */
  readonly tapTweak: bigint;
  /** Child output key Q' = even(P') + t'·G, 33-byte compressed (the derived KeyShare's groupKey). */
  readonly outputKey: Uint8Array;
  /** x(Q'), 32 bytes: the BIP340 public key the FROST signature verifies under (the derived KeyShare's publicKey). */
  readonly xOnlyOutputKey: Uint8Array;
  /**
   * How every stored share (a share of the parent's output key Q) becomes a share of Q':
   * s' = (negate ? −s : s) + add, Y_j' likewise, Q' = ±Q + add·G.
   */
  readonly shareMap: { readonly negate: boolean; readonly add: bigint };
}

/**
 * Taproot child of a frost-secp256k1-tr key (protocols.md §5.3, §1.10): BIP32 on the stored
 * internal key P with its real parity (so the result equals a standard wallet's derivation from
 * `xpub(key)`), then even-y normalisation and the BIP341 TapTweak (empty merkle root) of the
 * child, exactly as the DKG adjusts a fresh key. The FROST session signs with the derived
 * KeyShare (`deriveKeyShare`), i.e. with the tapTweaked child; its signatures verify under
 * `xOnlyOutputKey`.
 *
 * With stored shares s_i of Q = g0·P + t0·G (g0 = −1 iff P has odd y) and the child
 * P' = P + IL·G, Q' = g1·P' + t1·G (g1 = −1 iff P' has odd y):
 *   s_i' = g1·(g0·(s_i − t0) + IL) + t1 = (g0·g1)·s_i + g1·(IL − g0·t0) + t1.
 */
export function deriveTaprootChild(pkg: PublicKeyPackage, path: string): TaprootChildKey {
  const suite = getSuite(pkg.scheme);
  if (suite.name !== 'frost-secp256k1-tr') throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `deriveTaprootChild needs a frost-secp256k1-tr key, not ${pkg.scheme}`);
  const child = deriveChild(pkg, path);
  const Fn = suite.Fn;
  const P0 = suite.decodePoint(pkg.taprootInternalKey!);
  const P1 = suite.decodePoint(child.publicKey);
  const a0 = suite.adjustDkgKey(P0);
  const a1 = suite.adjustDkgKey(P1); // throws INVALID_GROUP_KEY on a TapTweak ≥ n
  const g0 = a0.negate ? Fn.neg(1n) : 1n;
  const g1 = a1.negate ? Fn.neg(1n) : 1n;
  const add = Fn.add(Fn.mul(g1, Fn.sub(child.tweak, Fn.mul(g0, a0.tweak))), a1.tweak);
  const negate = a0.negate !== a1.negate;
  const Q1 = taprootOutputKey(suite, P1);
  // Consistency of the stored key with its internal key, and of the share map with Q'.
  const Q0 = suite.decodePoint(pkg.groupKey);
  if (!taprootOutputKey(suite, P0).equals(Q0)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'group key is not the Taproot output key of the internal key');
  const mapped = (negate ? Q0.negate() : Q0).add(add === 0n ? suite.ZERO : suite.G.multiplyUnsafe(add));
  if (!mapped.equals(Q1) || Q1.is0()) throw new ProtocolError(ErrorCode.INVALID_DERIVED_KEY, 'derived Taproot output key is invalid');
  return {
    ...child,
    internalKey: child.publicKey,
    tapTweak: a1.tweak,
    outputKey: suite.encodePoint(Q1),
    xOnlyOutputKey: suite.encodePublicKey(Q1),
    shareMap: { negate, add },
  };
}

/**
 * The BIP32 extended public key (xpub, mainnet version 0488B21E) of the key, or of its child at
 * `path`. At "m": depth 0, parent fingerprint 0, child number 0, the DKG chain code and the
 * 33-byte compressed group key — for frost-secp256k1-tr the internal key P, so that wallets derive
 * internal keys and apply the TapTweak themselves (BIP86 style). secp256k1 schemes only
 * (ecdsa-secp256k1, frost-secp256k1, frost-secp256k1-tr); other curves have no xpub format
 * (INVALID_PARAMETERS).
 */
export function xpub(pkg: PublicKeyPackage, path = 'm'): string {
  if (pkg.scheme !== 'ecdsa-secp256k1' && pkg.scheme !== 'frost-secp256k1' && pkg.scheme !== 'frost-secp256k1-tr')
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `no BIP32 extended key format exists for ${pkg.scheme} (secp256k1 schemes only)`);
  const c = deriveChild(pkg, path);
  return encodeXpub(c.depth, c.parentFingerprint, c.childNumber, c.chainCode, c.publicKey);
}
