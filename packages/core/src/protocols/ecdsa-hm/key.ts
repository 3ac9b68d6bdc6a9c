/**
 * A key prepared for honest-majority ECDSA (protocols.md §2.2): the public key package decoded
 * once, the digest every presignature and signing run is bound to (§2.6), and the player-count
 * rule of the protocol.
 *
 * Thresholds: a `k-of-n` key (k = `KeyShare.threshold`) has shares of degree t = k − 1, the
 * number of corruptions the protocol tolerates. Presigning and signing open degree-2t sharings,
 * so they need exactly 2t + 1 = 2k − 1 players online (§2.4, §2.6), and the key must have at
 * least that many players.
 *
 * Prepared keys are cached per KeyShare / PublicKeyPackage object (WeakMap: the cache lives as
 * long as the caller keeps the key object; key objects are treated as immutable). The group key
 * gets a wNAF precomputation table from its third signature on (every signature is verified
 * under it, checklist F1): ~100 KB per hot key for a ~2.5× faster verification.
 * Nothing secret is cached.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { utf8ToBytes } from '../../math/bytes.js';
import { checkIdentifiers } from '../../math/polynomial.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import { encodeEpoch, keyEpoch, type KeyShare, type PublicKeyPackage } from '../key-share.js';
import type { EcdsaScheme } from '../../suites/index.js';
import { ecdsaCurve, type EcdsaCurve, type Point } from './curve.js';

/** Uses of a group key after which its precomputation table is built. */
const PRECOMPUTE_AFTER_USES = 2;
/** wNAF window of that table (W = 4: 65 windows × 8 points). */
const PRECOMPUTE_WINDOW = 4;

/** Number of players that must be online to presign and sign with a k-of-n key: 2k − 1 (= 2t + 1). */
export function ecdsaHmPlayersNeeded(threshold: number): number {
  return 2 * threshold - 1;
}

/**
 * Whether a k-of-n key can be used with the honest-majority protocol: 2 ≤ k and n ≥ 2k − 1.
 * Throws INVALID_PARAMETERS explaining the rule otherwise (for key creation in the cluster).
 */
export function checkEcdsaHmThreshold(threshold: number, n: number): void {
  if (!Number.isSafeInteger(threshold) || !Number.isSafeInteger(n) || threshold < 1 || n < threshold)
    throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid threshold ${threshold}-of-${n}`);
  if (threshold < 2) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `a ${threshold}-of-${n} key is not a threshold key: honest-majority ECDSA needs k ≥ 2`);
  const need = ecdsaHmPlayersNeeded(threshold);
  if (n < need)
    throw new ProtocolError(
      ErrorCode.INVALID_PARAMETERS,
      `a ${threshold}-of-${n} ECDSA key cannot be used with the honest-majority protocol: it needs ${need} players online (2k−1) to presign and sign, and has only ${n}`,
    );
}

export interface EcdsaKey {
  readonly curve: EcdsaCurve;
  readonly scheme: EcdsaScheme;
  /** k (players needed in a threshold scheme without the honest-majority rule). */
  readonly threshold: number;
  /** t = k − 1: tolerated corruptions, degree of the key sharing. */
  readonly t: number;
  /** Players holding a share (sorted ascending). */
  readonly parties: readonly PartyId[];
  /** Group key y = x·G (decoded, checklist C1). */
  readonly groupKey: Point;
  /** SEC1 compressed group key. */
  readonly groupKeyBytes: Uint8Array;
  /** Digest of the public key package (see {@link ecdsaKeyDigest}). */
  readonly digest: Uint8Array;
  /** The group key for verification (precomputed after a few uses). */
  verificationKey(): Point;
}

class PreparedEcdsaKey implements EcdsaKey {
  readonly curve: EcdsaCurve;
  readonly scheme: EcdsaScheme;
  readonly threshold: number;
  readonly t: number;
  readonly parties: readonly PartyId[];
  readonly groupKey: Point;
  readonly groupKeyBytes: Uint8Array;
  readonly digest: Uint8Array;
  private uses = 0;

  constructor(k: PublicKeyPackage) {
    if (k === null || typeof k !== 'object') throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key: not a key share');
    this.curve = ecdsaCurve(k.scheme);
    this.scheme = this.curve.scheme;
    if (!Array.isArray(k.parties)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key: parties must be an array');
    if (!Number.isSafeInteger(k.threshold) || k.threshold < 1 || k.threshold > k.parties.length)
      throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key: threshold out of range');
    checkIdentifiers(this.curve.suite, k.parties);
    this.threshold = k.threshold;
    this.t = k.threshold - 1;
    this.parties = [...k.parties].sort((a, b) => a - b);
    this.groupKey = this.curve.decodePoint(k.groupKey);
    this.groupKeyBytes = k.groupKey.slice();
    this.digest = ecdsaKeyDigest(k);
  }

  verificationKey(): Point {
    if (++this.uses === PRECOMPUTE_AFTER_USES + 1) this.groupKey.precompute(PRECOMPUTE_WINDOW, true);
    return this.groupKey;
  }
}

const CACHE = new WeakMap<PublicKeyPackage, EcdsaKey>();

/** The prepared key of a key package (cached per object). Validates scheme, threshold, identifiers and the group key. */
export function ecdsaKey(k: PublicKeyPackage | KeyShare): EcdsaKey {
  let ek = CACHE.get(k);
  if (ek === undefined) {
    ek = new PreparedEcdsaKey(k);
    CACHE.set(k, ek);
  }
  return ek;
}

/**
 * The key digest presignatures and signing runs are bound to (protocols.md §2.6 "bind each
 * presignature to key id"): SHA-256 over length-prefixed fields (B1)
 *   ("opentsm/ecdsa-hm/key/v1", scheme, u32(k), epoch (u32 counter ‖ 32-byte id), groupKey,
 *    u32(p) ‖ Y_p for every player p ascending).
 * The epoch makes presignatures of a key unusable after a refresh or reshare.
 */
export function ecdsaKeyDigest(k: PublicKeyPackage | KeyShare): Uint8Array {
  const parties = [...k.parties].sort((a, b) => a - b);
  const fields: Uint8Array[] = [utf8ToBytes(k.scheme), u32be(k.threshold), encodeEpoch(keyEpoch(k)), k.groupKey];
  for (const p of parties) {
    const Y = k.verifyingShares[p];
    if (!(Y instanceof Uint8Array)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid key: no verifying share for party ${p}`);
    fields.push(u32be(p), Y);
  }
  return transcriptHash('opentsm/ecdsa-hm/key/v1', ...fields);
}
