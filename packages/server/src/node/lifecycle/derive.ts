/**
 * Derivation helpers of the node: the child share a FROST signer uses for `sign` with a path, and
 * the additive tweak an ECDSA signer (honest-majority, DKLs23) applies (docs/protocols/derivation.md),
 * both cached per share object, and the mapping of derivation errors to API errors.
 */
import { deriveChild, deriveKeyShare, ErrorCode, ProtocolError, publicPackage, type KeyShare } from '@opentsm/core';
import { ApiError, badRequest } from '../errors.js';

/** Derivation errors → 400 with a stable code (messages name the path or index, never a secret). */
export function derivationError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ProtocolError) {
    if (e.code === ErrorCode.INVALID_DERIVATION_PATH) return badRequest('INVALID_DERIVATION_PATH', e.message);
    if (e.code === ErrorCode.INVALID_DERIVED_KEY) return badRequest('INVALID_DERIVED_KEY', e.message);
    return badRequest('DERIVATION_UNSUPPORTED', e.message);
  }
  return new ApiError(500, 'INTERNAL', 'internal error');
}

const PATHS_PER_SHARE = 64;
/**
 * Derived shares by parent share object. The KeyService caches one share object per key version,
 * so a refresh or reshare (new version, new object) drops these with it.
 */
const derived = new WeakMap<KeyShare, Map<string, KeyShare>>();

/** This player's share of the child key at `path` (non-hardened), ready for a FROST signing session. */
export function derivedShare(share: KeyShare, path: string): KeyShare {
  let m = derived.get(share);
  const hit = m?.get(path);
  if (hit) return hit;
  let child: KeyShare;
  try {
    child = deriveKeyShare(share, path);
  } catch (e) {
    throw derivationError(e);
  }
  if (!m) {
    m = new Map();
    derived.set(share, m);
  }
  if (m.size >= PATHS_PER_SHARE) m.delete(m.keys().next().value!);
  m.set(path, child);
  return child;
}

/** Tweaks by parent share object (same lifetime rule as `derived`). */
const tweaks = new WeakMap<KeyShare, Map<string, bigint>>();

/**
 * The additive tweak of the child key at `path` (non-hardened) of this share's group key; 0 for no
 * path or `m`. Cached per (share object, path), at most {@link PATHS_PER_SHARE} paths per share.
 */
export function derivationTweak(share: KeyShare, path: string | undefined): bigint {
  if (path === undefined || path === 'm') return 0n;
  let m = tweaks.get(share);
  const hit = m?.get(path);
  if (hit !== undefined) return hit;
  let tweak: bigint;
  try {
    tweak = deriveChild(publicPackage(share), path).tweak;
  } catch (e) {
    throw derivationError(e);
  }
  if (!m) {
    m = new Map();
    tweaks.set(share, m);
  }
  if (m.size >= PATHS_PER_SHARE) m.delete(m.keys().next().value!);
  m.set(path, tweak);
  return tweak;
}
