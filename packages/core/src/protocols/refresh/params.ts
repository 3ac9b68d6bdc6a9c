/**
 * Parameters of a refresh run (`refresh/v1`) and their validation. Spec:
 * docs/protocols/refresh-reshare.md.
 */
import { ErrorCode, ProtocolError, type PartyId } from '../../errors.js';
import type { GroupPoint, Suite } from '../../suites/index.js';
import { checkSessionId } from '../dkg/params.js';
import { publicPackage, type KeyShare } from '../key-share.js';
import { decodeOwnShare, decodePackage } from './common.js';

/** Protocol id carried in every envelope of a refresh run. */
export const REFRESH_PROTOCOL_ID = 'refresh/v1';

export interface RefreshParams {
  /** Unique id of this run, agreed out of band before round 1 (1..64 bytes; checklist A2). */
  readonly sessionId: Uint8Array;
  /** This player's current share. Every party of the key takes part with its own share. */
  readonly key: KeyShare;
}

/** Validated parameters plus values derived from them. */
export interface RefreshConfig {
  readonly suite: Suite;
  readonly sessionId: Uint8Array;
  readonly key: KeyShare;
  readonly self: PartyId;
  /** key.parties, sorted ascending. */
  readonly parties: readonly PartyId[];
  /** Every party but self, sorted ascending. */
  readonly others: readonly PartyId[];
  /** k, unchanged by a refresh (checklist D6). */
  readonly threshold: number;
  readonly groupKey: GroupPoint;
  readonly verifyingShares: ReadonlyMap<PartyId, GroupPoint>;
  /** keyPackageDigest of the current public package (every player must hold the same). */
  readonly oldDigest: Uint8Array;
  /**
   * s_i decoded from `key` and checked against Y_i once, here (common.ts `decodeOwnShare`), so
   * round 1 does not repeat the constant-time multiplication. SECRET, as `key.secretShare`.
   */
  readonly ownSecret: bigint;
}

/**
 * Validate the parameters before round 1: session id 1..64 bytes; the key package is well formed
 * and consistent (common.ts `decodePackage`: D1, C1, verifying shares on one polynomial with
 * constant term PK); the own share matches its verifying share. Throws ProtocolError
 * (INVALID_PARAMETERS / INVALID_IDENTIFIER / INVALID_POINT); no session is created.
 */
export function validateRefreshParams(p: RefreshParams): RefreshConfig {
  if (p === null || typeof p !== 'object') throw new ProtocolError(ErrorCode.INVALID_PARAMETERS, 'invalid refresh parameters: missing');
  checkSessionId(p.sessionId, 'refresh');
  const key = p.key;
  const pkg = decodePackage(publicPackage(key));
  const ownSecret = decodeOwnShare(pkg.suite, key, pkg.verifyingShares);
  return {
    suite: pkg.suite,
    sessionId: p.sessionId.slice(),
    key,
    self: key.self,
    parties: pkg.parties,
    others: pkg.parties.filter((q) => q !== key.self),
    threshold: key.threshold,
    groupKey: pkg.groupKey,
    verifyingShares: pkg.verifyingShares,
    oldDigest: pkg.digest,
    ownSecret,
  };
}
