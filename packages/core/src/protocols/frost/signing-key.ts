/**
 * A key prepared for FROST signing: the public key package decoded once (each point validated
 * with `suite.decodePoint` the first time it is needed; verifying shares lazily, since a
 * signature only needs those of its signers) and, for Taproot, normalised to an even-y group key
 * exactly like noble's `schnorr_FROST` (`adjustPublic` / `adjustSecret`, protocols.md §1.10): if
 * PK has odd y, PK ← −PK, every Y_j ← −Y_j and every s_j ← −s_j. The KeyShare of a Taproot key
 * already holds the TapTweaked key (the DKG applies `suite.adjustDkgKey`); signing only applies
 * this even-y normalisation.
 *
 * Prepared keys are cached per KeyShare / PublicKeyPackage object (a WeakMap, so the cache lives
 * exactly as long as the caller keeps the key object): a node that signs repeatedly with a loaded
 * key decodes and validates its points once. Key objects are treated as immutable. Verifying
 * shares used repeatedly get a wNAF precomputation table (RFC 9591 §5.4 multiplies Y_j by the
 * public c·λ_j on every signature) from their third use, which trades ~100 KB of memory per hot
 * share for a ~3× faster multiplication.
 *
 * Nothing secret is cached: the secret share is decoded from the KeyShare on each signing.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { encodeEpoch, keyEpoch, type KeyShare, type PublicKeyPackage } from '../key-share.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import { checkIdentifiers } from '../../math/polynomial.js';
import { utf8ToBytes } from '../../math/bytes.js';
import { getSuite, type GroupPoint } from '../../suites/index.js';
import { frostCiphersuite, hasEvenY, type FrostCiphersuite } from './ciphersuite.js';

/** Uses of a verifying share after which its precomputation table is built. */
const PRECOMPUTE_AFTER_USES = 2;
/** wNAF window of those tables (W = 4: 65 windows × 8 points). */
const PRECOMPUTE_WINDOW = 4;

interface PrecomputablePoint extends GroupPoint {
  precompute(windowSize?: number, isLazy?: boolean): GroupPoint;
}

export interface SigningKey {
  readonly cs: FrostCiphersuite;
  readonly scheme: PublicKeyPackage['scheme'];
  readonly threshold: number;
  readonly parties: readonly PartyId[];
  /** Group key PK used for signing (even-y normalised for Taproot). */
  readonly groupKey: GroupPoint;
  /** SerializeElement(PK) of the signing group key (what RFC 9591 §4.4 hashes). */
  readonly groupKeyBytes: Uint8Array;
  /** External encoding of the public key (what `suite.verify` takes). */
  readonly publicKey: Uint8Array;
  /** Taproot: the stored key had odd y, so shares and verifying shares are negated at sign time. */
  readonly negated: boolean;
  /** Hash of the whole public key package (scheme, threshold, PK, epoch, parties, every Y_j). */
  readonly packageDigest: Uint8Array;
  /** Y_j of the signing key (normalised like PK). Throws INVALID_PARAMETERS for a non-party. */
  verifyingShare(id: PartyId): GroupPoint;
}

interface CachedShare {
  readonly point: GroupPoint;
  uses: number;
}

class PreparedKey implements SigningKey {
  readonly cs: FrostCiphersuite;
  readonly scheme: PublicKeyPackage['scheme'];
  readonly threshold: number;
  readonly parties: readonly PartyId[];
  readonly groupKey: GroupPoint;
  readonly groupKeyBytes: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly negated: boolean;
  readonly packageDigest: Uint8Array;
  private readonly encodedShares: Readonly<Record<PartyId, Uint8Array>>;
  /** Verifying shares decoded so far (each decoded and validated at most once). */
  private readonly shares = new Map<PartyId, CachedShare>();

  constructor(k: PublicKeyPackage) {
    const suite = getSuite(k.scheme);
    if (!Number.isInteger(k.threshold) || k.threshold < 1 || k.threshold > k.parties.length)
      throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key: threshold out of range');
    checkIdentifiers(suite, k.parties);
    this.cs = frostCiphersuite(suite);
    this.scheme = k.scheme;
    this.threshold = k.threshold;
    this.parties = [...k.parties].sort((a, b) => a - b);
    this.publicKey = k.publicKey;
    this.encodedShares = k.verifyingShares;
    const PK = suite.decodePoint(k.groupKey); // checklist C1
    // Taproot even-y normalisation (noble schnorr_FROST adjustPublic / adjustSecret).
    this.negated = this.cs.taproot && !hasEvenY(k.groupKey);
    this.groupKey = this.negated ? PK.negate() : PK;
    this.groupKeyBytes = this.negated ? Uint8Array.of(0x02, ...k.groupKey.subarray(1)) : k.groupKey;
    // The epoch (KeyShare.epoch, absent = 0) is bound so that shares of different epochs never sign together.
    const fields: Uint8Array[] = [utf8ToBytes(k.scheme), u32be(k.threshold), k.groupKey, encodeEpoch(keyEpoch(k))];
    for (const p of this.parties) {
      const Y = k.verifyingShares[p];
      if (!(Y instanceof Uint8Array)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid key: no verifying share for party ${p}`);
      fields.push(u32be(p), Y);
    }
    this.packageDigest = transcriptHash('opentsm/frost/key-package/v1', ...fields);
  }

  verifyingShare(id: PartyId): GroupPoint {
    let c = this.shares.get(id);
    if (c === undefined) {
      if (!this.parties.includes(id)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `party ${id} holds no share of this key`);
      const Y = this.cs.suite.decodePoint(this.encodedShares[id]!); // checklist C1, once per key
      c = { point: this.negated ? Y.negate() : Y, uses: 0 };
      this.shares.set(id, c);
    }
    if (++c.uses === PRECOMPUTE_AFTER_USES + 1) (c.point as PrecomputablePoint).precompute(PRECOMPUTE_WINDOW, true);
    return c.point;
  }
}

const CACHE = new WeakMap<PublicKeyPackage, SigningKey>();

/**
 * The prepared signing key of a key package (cached per object). Validates the package: the
 * group key decodes (C1; verifying shares are validated when first used), identifiers are valid
 * (D1), the threshold is in range, every party has a verifying share.
 */
export function signingKey(k: PublicKeyPackage | KeyShare): SigningKey {
  let sk = CACHE.get(k);
  if (sk === undefined) {
    sk = new PreparedKey(k);
    CACHE.set(k, sk);
  }
  return sk;
}

/** The secret share s_i of `share`, normalised like the signing key (Taproot even-y). SECRET. */
export function signingSecret(key: SigningKey, share: KeyShare): bigint {
  const Fn = key.cs.suite.Fn;
  const s = key.cs.suite.decodeNonZeroScalar(share.secretShare);
  return key.negated ? Fn.neg(s) : s;
}
