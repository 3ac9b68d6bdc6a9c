/**
 * Helpers shared by refresh (`refresh/v1`) and reshare (`reshare/v1`): the digest of a public key
 * package, the epoch chain, the confirmation hash, the consistency check of an old package and the
 * validation of a key share given as input. Spec: docs/protocols/refresh-reshare.md.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { utf8ToBytes } from '../../math/bytes.js';
import { evalCommitment, lagrangeAtZero } from '../../math/polynomial.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import { getSuite, type GroupPoint, type Suite } from '../../suites/index.js';
import { checkPartySet, encodeParties } from '../dkg/params.js';
import { encodeEpoch, keyEpoch, taprootOutputKey, type KeyEpoch, type KeyShare, type PublicKeyPackage } from '../key-share.js';

export const DIGEST_LENGTH = 32;

/**
 * Digest of a complete public key package (B1: every field length-prefixed):
 *   H("opentsm/key-package/v1", scheme, u32(k), u16(p_1) ‖ … ‖ u16(p_n), groupKey, publicKey,
 *     Y_{p_1}, …, Y_{p_n}, chainCode, u32(epoch counter) ‖ epoch id, taprootInternalKey or empty)
 * Parties sorted ascending. Two players hold the same version of a key iff their digests agree.
 */
export function keyPackageDigest(pkg: PublicKeyPackage): Uint8Array {
  const parties = [...pkg.parties].sort((a, b) => a - b);
  return transcriptHash(
    'opentsm/key-package/v1',
    utf8ToBytes(pkg.scheme),
    u32be(pkg.threshold),
    encodeParties(parties),
    pkg.groupKey,
    pkg.publicKey,
    ...parties.map((j) => {
      const Y = pkg.verifyingShares[j];
      if (!(Y instanceof Uint8Array)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid key: no verifying share for party ${j}`);
      return Y;
    }),
    pkg.chainCode,
    encodeEpoch(keyEpoch(pkg)),
    pkg.taprootInternalKey ?? new Uint8Array(0),
  );
}

/**
 * The epoch after a refresh or reshare: counter + 1 and
 *   id' = H("opentsm/key-epoch/v1", u32(counter) ‖ id, protocol id, session id)
 * so the id chains the whole history of the key's shares (two different runs from the same epoch
 * give different ids).
 */
export function nextEpoch(prev: KeyEpoch, protocol: string, sessionId: Uint8Array): KeyEpoch {
  if (prev.counter >= 0xffffffff) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'epoch counter exhausted');
  return { counter: prev.counter + 1, id: transcriptHash('opentsm/key-epoch/v1', encodeEpoch(prev), utf8ToBytes(protocol), sessionId) };
}

/**
 * Hash confirmed by every player in the last round:
 *   H("opentsm/<protocol>/confirm", sid, inputDigest, keyPackageDigest(new package))
 * where inputDigest binds what the run started from (refresh: the old key digest; reshare: the
 * parameters digest, which contains the old key digest).
 */
export function confirmationHash(protocol: string, sessionId: Uint8Array, inputDigest: Uint8Array, newPackage: PublicKeyPackage): Uint8Array {
  return transcriptHash(`opentsm/${protocol}/confirm`, sessionId, inputDigest, keyPackageDigest(newPackage));
}

/** Decoded public data of a key package. */
export interface DecodedPackage {
  readonly suite: Suite;
  readonly groupKey: GroupPoint;
  /** Sorted ascending. */
  readonly parties: readonly PartyId[];
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
  readonly digest: Uint8Array;
}

function badKey(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid key package: ${why}`);
}

/**
 * Validate a public key package used as input of a refresh or reshare: known scheme, identifiers
 * (D1, u16), 1 ≤ k ≤ n ≤ 64, every point decodes (C1), the chain code and epoch are well formed,
 * the Taproot internal key (if any) maps to the group key, and the verifying shares are
 * consistent with the group key: for T = the first k parties, Σ_{j∈T} λ_j^T·Y_j = PK and every
 * other Y_m equals the interpolation of {Y_j : j ∈ T} at x = m (all Y on one polynomial of degree
 * k−1 whose constant term is PK). This catches an inconsistent package before any share moves.
 */
export function decodePackage(pkg: PublicKeyPackage): DecodedPackage {
  if (pkg === null || typeof pkg !== 'object') badKey('missing');
  const suite = getSuite(pkg.scheme);
  if (!Array.isArray(pkg.parties)) badKey('parties must be an array');
  const parties = [...pkg.parties].sort((a, b) => a - b);
  const n = parties.length;
  checkPartySet(suite, parties, badKey); // 1..64 parties, D1, u16
  if (!Number.isSafeInteger(pkg.threshold) || pkg.threshold < 1 || pkg.threshold > n) badKey('threshold out of range');
  if (!(pkg.chainCode instanceof Uint8Array) || pkg.chainCode.length !== 32) badKey('chain code must be 32 bytes');
  const groupKey = suite.decodePoint(pkg.groupKey);
  const Y = new Map<PartyId, GroupPoint>();
  for (const j of parties) {
    const b = pkg.verifyingShares[j];
    if (!(b instanceof Uint8Array)) badKey(`no verifying share for party ${j}`);
    Y.set(j, suite.decodePoint(b));
  }
  if (pkg.taprootInternalKey !== undefined) {
    if (suite.name !== 'frost-secp256k1-tr') badKey('an internal key is only defined for frost-secp256k1-tr');
    if (!taprootOutputKey(suite, suite.decodePoint(pkg.taprootInternalKey)).equals(groupKey)) badKey('group key is not the Taproot output key of the internal key');
  }
  const digest = keyPackageDigest(pkg); // also checks the epoch encoding
  const T = parties.slice(0, pkg.threshold);
  if (!interpolateAt(suite, T, Y, 0n).equals(groupKey)) badKey('verifying shares do not interpolate to the group key');
  for (const m of parties.slice(pkg.threshold))
    if (!interpolateAt(suite, T, Y, BigInt(m)).equals(Y.get(m)!)) badKey(`verifying share of party ${m} is not on the sharing polynomial`);
  return { suite, groupKey, parties, verifyingShares: Y, digest };
}

/** Lagrange interpolation in the exponent: Σ_{j∈T} λ_j^T(x)·Y_j (public values, variable time). */
export function interpolateAt(suite: Suite, T: readonly PartyId[], Y: ReadonlyMap<PartyId, GroupPoint>, x: bigint): GroupPoint {
  const Fn = suite.Fn;
  let acc = suite.ZERO;
  for (const j of T) {
    // λ_j(x) = Π_{m≠j} (x − x_m) / (x_j − x_m); at x = 0 this is lagrangeAtZero.
    let l: bigint;
    if (x === 0n) l = lagrangeAtZero(suite, j, T);
    else {
      let num = 1n;
      let den = 1n;
      for (const m of T) {
        if (m === j) continue;
        num = Fn.mul(num, Fn.sub(x, BigInt(m)));
        den = Fn.mul(den, Fn.sub(BigInt(j), BigInt(m)));
      }
      l = Fn.div(num, den);
    }
    if (l !== 0n) acc = acc.add(Y.get(j)!.multiplyUnsafe(l));
  }
  return acc;
}

/**
 * Check a player's own key share against its package: s_i decodes, is non-zero and s_i·G = Y_i
 * (constant-time multiplication: s_i is secret). Returns s_i. SECRET.
 */
export function decodeOwnShare(suite: Suite, key: KeyShare, Y: ReadonlyMap<PartyId, GroupPoint>): bigint {
  const Yi = Y.get(key.self);
  if (Yi === undefined) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key share: self is not a party of the key');
  const s = suite.decodeNonZeroScalar(key.secretShare);
  if (!suite.G.multiply(s).equals(Yi)) throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid key share: secret share does not match its verifying share');
  return s;
}

/**
 * Checklist D3 for every dealt share received, once every broadcast and share is in (a share may
 * arrive before its dealer's broadcast): f_ℓ(x)·G == Σ_m x^m·C_ℓ[m] for each dealer ℓ, where C_ℓ
 * is the dealer's complete commitment vector (refresh: with the implicit C_ℓ[0] = O in front).
 * The share is secret: constant-time multiplication; the right-hand side is public. Throws
 * INVALID_SHARE naming every bad dealer ("share from <noun>(s) a, b does not match the dealer's
 * commitment"); `noun` is 'party' (refresh) or 'dealer' (reshare).
 */
export function checkDealtShares(
  suite: Suite,
  x: PartyId,
  dealers: readonly PartyId[],
  commitments: ReadonlyMap<PartyId, readonly GroupPoint[]>,
  shares: ReadonlyMap<PartyId, bigint>,
  noun: 'party' | 'dealer',
): void {
  const bad: PartyId[] = [];
  for (const l of dealers) if (!suite.G.multiply(shares.get(l)!).equals(evalCommitment(suite, commitments.get(l)!, BigInt(x)))) bad.push(l);
  if (bad.length === 0) return;
  const plural = bad.length > 1 ? (noun === 'party' ? 'parties' : 'dealers') : noun;
  throw new ProtocolError(ErrorCode.INVALID_SHARE, `share from ${plural} ${bad.join(', ')} does not match the dealer's commitment`, bad);
}
