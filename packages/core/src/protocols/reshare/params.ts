/**
 * Parameters of a reshare run (`reshare/v1`) and their validation. Spec:
 * docs/protocols/refresh-reshare.md.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import { equalBytes } from '../../math/bytes.js';
import { checkIdentifiers, lagrangeAtZero } from '../../math/polynomial.js';
import { transcriptHash, u32be } from '../../math/transcript.js';
import type { GroupPoint, Suite } from '../../suites/index.js';
import { checkPartySet, checkSessionId, encodeParties } from '../dkg/params.js';
import { publicPackage, type KeyShare, type PublicKeyPackage } from '../key-share.js';
import { decodeOwnShare, decodePackage, keyPackageDigest } from '../refresh/common.js';

/** Protocol id carried in every envelope of a reshare run. */
export const RESHARE_PROTOCOL_ID = 'reshare/v1';

export interface ReshareParams {
  /** Unique id of this run, agreed out of band before round 1 (1..64 bytes; checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's identifier: a member of `oldParties`, of `newParties`, or both. */
  readonly self: PartyId;
  /** S: the old holders that deal (⊆ the key's parties, at least the old threshold of them). */
  readonly oldParties: readonly PartyId[];
  /** The new committee (1..64 identifiers; old identifiers keep their x-coordinate). */
  readonly newParties: readonly PartyId[];
  /** k': number of new players needed to sign (1 ≤ k' ≤ |newParties|). */
  readonly newThreshold: number;
  /** This player's current share. Required iff self ∈ oldParties (ignored otherwise). */
  readonly oldKey?: KeyShare;
  /**
   * The key's current public package (`publicPackage(oldKey)`: group key, every old verifying
   * share, chain code, epoch, Taproot internal key). Required for players without `oldKey`; when
   * both are given they must describe the same key version. Every player must hold the same one.
   */
  readonly oldPackage?: PublicKeyPackage;
}

export interface ReshareConfig {
  readonly suite: Suite;
  readonly sessionId: Uint8Array;
  readonly self: PartyId;
  /** S, sorted ascending. */
  readonly dealers: readonly PartyId[];
  /** The new committee, sorted ascending. */
  readonly newParties: readonly PartyId[];
  readonly newThreshold: number;
  /** S ∪ newParties, sorted: the parties of the engine session. */
  readonly sessionParties: readonly PartyId[];
  readonly others: readonly PartyId[];
  readonly isDealer: boolean;
  readonly isNew: boolean;
  /** Our old share (dealers only). */
  readonly oldKey: KeyShare | undefined;
  /**
   * s_j decoded from `oldKey` and checked against Y_j once, here (dealers only; undefined
   * otherwise), so round 1 does not repeat the constant-time multiplication. SECRET.
   */
  readonly oldSecret: bigint | undefined;
  readonly oldPackage: PublicKeyPackage;
  readonly groupKey: GroupPoint;
  /** Old verifying shares Y_j. */
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
  /** λ_j^S for every dealer j. */
  readonly lambdas: ReadonlyMap<PartyId, bigint>;
  /** keyPackageDigest(oldPackage). */
  readonly oldDigest: Uint8Array;
  /** Digest of the run's parameters (S, new parties, k'), bound to the old key. */
  readonly paramsDigest: Uint8Array;
}

function bad(why: string): never {
  throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, `invalid reshare parameters: ${why}`);
}

function sortedIds(ids: unknown, what: string): PartyId[] {
  if (!Array.isArray(ids)) bad(`${what} must be an array`);
  return [...(ids as PartyId[])].sort((a, b) => a - b);
}

/** keyPackageDigest of oldKey's public part; a malformed one (which cannot match) is INVALID_PARAMETERS. */
function digestOf(pkg: PublicKeyPackage): Uint8Array {
  try {
    return keyPackageDigest(pkg);
  } catch {
    bad('oldKey and oldPackage describe different key versions');
  }
}

/**
 * H("opentsm/reshare/v1/params", old key digest, u16(S…), u16(new parties…), u32(k')): what every
 * player must agree on besides the old key (compared in round 1, PARAMETER_MISMATCH).
 */
export function reshareParamsDigest(oldDigest: Uint8Array, dealers: readonly PartyId[], newParties: readonly PartyId[], newThreshold: number): Uint8Array {
  return transcriptHash(`opentsm/${RESHARE_PROTOCOL_ID}/params`, oldDigest, encodeParties(dealers), encodeParties(newParties), u32be(newThreshold));
}

/**
 * Validate the parameters before round 1: session id; the old package (common.ts
 * `decodePackage`: well formed, verifying shares consistent with PK); S ⊆ old parties, distinct,
 * |S| ≥ old k; the new parties (D1, u16, 1..64) and 1 ≤ k' ≤ n'; self ∈ S ∪ new; a dealer's own
 * share matches its old verifying share. Throws ProtocolError; no session is created.
 */
export function validateReshareParams(p: ReshareParams): ReshareConfig {
  if (p === null || typeof p !== 'object') bad('missing');
  checkSessionId(p.sessionId, 'reshare');
  if (p.oldKey !== undefined && p.oldKey.self !== p.self) bad('oldKey belongs to another party');
  const mine = p.oldKey !== undefined ? publicPackage(p.oldKey) : undefined;
  const oldPackage = p.oldPackage ?? mine;
  if (oldPackage === undefined) bad('oldPackage is required for a player without oldKey');
  // The package is decoded and checked once (the consistency check interpolates every verifying
  // share). When oldKey comes with an oldPackage, its public part must have the same digest (B1:
  // an injective encoding of every public field), so it is as valid as the decoded package.
  const pkg = decodePackage(oldPackage);
  if (mine !== undefined && mine !== oldPackage && !equalBytes(digestOf(mine), pkg.digest)) bad('oldKey and oldPackage describe different key versions');
  const suite = pkg.suite;

  const dealers = sortedIds(p.oldParties, 'oldParties');
  checkIdentifiers(suite, dealers);
  for (const j of dealers) if (!pkg.parties.includes(j)) bad(`dealer ${j} holds no share of the key`);
  if (dealers.length < oldPackage.threshold) bad(`${dealers.length} dealers, the key needs ${oldPackage.threshold}`);

  const newParties = sortedIds(p.newParties, 'newParties');
  checkPartySet(suite, newParties, bad, 'new parties'); // 1..64, D1, u16
  if (!Number.isSafeInteger(p.newThreshold) || p.newThreshold < 1 || p.newThreshold > newParties.length) bad(`new threshold must be in [1, ${newParties.length}]`);

  const isDealer = dealers.includes(p.self);
  const isNew = newParties.includes(p.self);
  if (!isDealer && !isNew) bad('self is neither a dealer nor a new party');
  let oldKey: KeyShare | undefined;
  let oldSecret: bigint | undefined;
  if (isDealer) {
    if (p.oldKey === undefined) bad('a dealer needs its oldKey');
    oldSecret = decodeOwnShare(suite, p.oldKey, pkg.verifyingShares);
    oldKey = p.oldKey;
  }
  const sessionParties = [...new Set([...dealers, ...newParties])].sort((a, b) => a - b);
  const lambdas = new Map<PartyId, bigint>();
  for (const j of dealers) lambdas.set(j, lagrangeAtZero(suite, j, dealers));
  return {
    suite,
    sessionId: p.sessionId.slice(),
    self: p.self,
    dealers,
    newParties,
    newThreshold: p.newThreshold,
    sessionParties,
    others: sessionParties.filter((q) => q !== p.self),
    isDealer,
    isNew,
    oldKey,
    oldSecret,
    oldPackage,
    groupKey: pkg.groupKey,
    verifyingShares: pkg.verifyingShares,
    lambdas,
    oldDigest: pkg.digest,
    paramsDigest: reshareParamsDigest(pkg.digest, dealers, newParties, p.newThreshold),
  };
}
