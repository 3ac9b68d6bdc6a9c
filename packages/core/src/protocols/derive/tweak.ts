/**
 * Applying a derivation tweak to a key (protocols.md §5.2): every Shamir player adds the same t
 * to its share (Σ λ_i = 1 over any signer set), every verifying share and the group key move by
 * t·G. Spec: docs/protocols/derivation.md.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { getSuite, type Suite } from '../../suites/index.js';
import type { KeyShare, PublicKeyPackage } from '../key-share.js';
import { deriveChild, deriveTaprootChild } from './child.js';

interface ShareMap {
  readonly negate: boolean;
  readonly add: bigint;
}

function derivedKeyError(what: string): never {
  throw new ProtocolError(ErrorCode.INVALID_DERIVED_KEY, `derived ${what} is invalid`);
}

/** s ↦ ±s + add on the public package: PK, every Y_j, the external public key. */
function mapPackage(suite: Suite, pkg: PublicKeyPackage, m: ShareMap, extra: Partial<Pick<PublicKeyPackage, 'chainCode' | 'taprootInternalKey'>>): PublicKeyPackage {
  const T = m.add === 0n ? suite.ZERO : suite.G.multiplyUnsafe(m.add); // the tweak is public
  const map = (b: Uint8Array) => {
    const P = suite.decodePoint(b);
    const Q = (m.negate ? P.negate() : P).add(T);
    if (Q.is0()) derivedKeyError('key (a point at infinity)');
    return Q;
  };
  const PK = map(pkg.groupKey);
  const verifyingShares: Record<PartyId, Uint8Array> = {};
  for (const j of pkg.parties) verifyingShares[j] = suite.encodePoint(map(pkg.verifyingShares[j]!));
  return { ...pkg, groupKey: suite.encodePoint(PK), publicKey: suite.encodePublicKey(PK), verifyingShares, ...extra };
}

function mapKey(suite: Suite, key: KeyShare, m: ShareMap, extra: Partial<Pick<PublicKeyPackage, 'chainCode' | 'taprootInternalKey'>>): KeyShare {
  const Fn = suite.Fn;
  const s = suite.decodeNonZeroScalar(key.secretShare); // SECRET
  const s2 = Fn.add(m.negate ? Fn.neg(s) : s, m.add);
  if (s2 === 0n) derivedKeyError('share (zero)');
  const pub = mapPackage(suite, key, m, extra);
  return { ...pub, self: key.self, secretShare: suite.encodeScalar(s2) };
}

function checkTweak(suite: Suite, tweak: bigint): void {
  if (typeof tweak !== 'bigint' || tweak < 0n || tweak >= suite.order) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'tweak must be a scalar in [0, q)');
}

/**
 * Add the tweak t (e.g. `deriveChild(...).tweak`) to a key: s_i + t, every Y_j + t·G, PK + t·G,
 * the external public key re-encoded. Everything else (parties, threshold, epoch, chain code) is
 * kept — use `deriveKeyShare` to get a child that also carries its own chain code. Every player
 * adds the same t (Shamir shares). Throws INVALID_PARAMETERS for t ∉ [0, q) and for
 * frost-secp256k1-tr keys (their BIP32 tweak applies to the internal key: use `deriveKeyShare` /
 * `deriveTaprootChild`), INVALID_DERIVED_KEY if a resulting point is the identity.
 */
export function applyTweak(key: KeyShare, tweak: bigint): KeyShare;
export function applyTweak(key: PublicKeyPackage, tweak: bigint): PublicKeyPackage;
export function applyTweak(key: KeyShare | PublicKeyPackage, tweak: bigint): KeyShare | PublicKeyPackage {
  const suite = getSuite(key.scheme);
  if (suite.name === 'frost-secp256k1-tr')
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'frost-secp256k1-tr keys derive from their internal key: use deriveKeyShare / deriveTaprootChild');
  checkTweak(suite, tweak);
  const m = { negate: false, add: tweak };
  return 'secretShare' in key ? mapKey(suite, key, m, {}) : mapPackage(suite, key, m, {});
}

function childMap(pkg: PublicKeyPackage, path: string): { m: ShareMap; extra: Partial<Pick<PublicKeyPackage, 'chainCode' | 'taprootInternalKey'>> } {
  if (pkg.scheme === 'frost-secp256k1-tr') {
    const c = deriveTaprootChild(pkg, path);
    return { m: c.shareMap, extra: { chainCode: c.chainCode, taprootInternalKey: c.internalKey } };
  }
  const c = deriveChild(pkg, path);
  return { m: { negate: false, add: c.tweak }, extra: { chainCode: c.chainCode } };
}

/**
 * This player's share of the child key at `path`, ready for a signing session (e.g.
 * `createFrostSignSession({ key: deriveKeyShare(key, 'm/0/5'), ... })`; every signer derives
 * the same path, and the FROST context hash binds the child key, so signers that disagree on the
 * path abort). Works for every scheme: BIP32 for secp256k1, the BIP32 + TapTweak rule of
 * `deriveTaprootChild` for frost-secp256k1-tr, the documented additive scheme elsewhere. The child
 * carries its own chain code (and Taproot internal key); parties, threshold and epoch are the
 * parent's. A derived share is a signing view: never store it in place of the parent or refresh it.
 */
export function deriveKeyShare(key: KeyShare, path: string): KeyShare {
  const { m, extra } = childMap(key, path);
  return mapKey(getSuite(key.scheme), key, m, extra);
}

/** The public package of the child key at `path` (what a coordinator or client uses to verify). */
export function deriveKeyPackage(pkg: PublicKeyPackage, path: string): PublicKeyPackage {
  const { m, extra } = childMap(pkg, path);
  return mapPackage(getSuite(pkg.scheme), pkg, m, extra);
}
