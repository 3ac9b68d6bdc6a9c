/**
 * Proactive refresh (`refresh/v1`) as a session on the protocol engine: same key, same players,
 * same threshold, fresh shares, epoch + 1. Spec: docs/protocols/refresh-reshare.md.
 *
 *   start    deal a zero-sharing: broadcast D_i[1..k−1], send g_i(ℓ) to every ℓ   → round1.ts
 *   round 1  check, combine, broadcast the hash of the new public package        → round2.ts
 *   round 2  compare every confirmation, output the new KeyShare
 */
import { Session } from '../../engine/session.js';
import type { KeyShare } from '../key-share.js';
import { REFRESH_PROTOCOL_ID, validateRefreshParams, type RefreshParams } from './params.js';
import { startRefresh } from './round1.js';

/**
 * Create this player's session of a refresh run. Every party of `key` must run one with the same
 * `sessionId` and its own share of the same key version. Throws ProtocolError for bad parameters
 * (INVALID_PARAMETERS, INVALID_IDENTIFIER, INVALID_POINT: inconsistent or malformed key);
 * afterwards every failure aborts the session (state 'aborted', `error` with code and culprits,
 * no result). The result is the new KeyShare (same group key, public key, parties, threshold and
 * chain code; new secret share, new verifying shares, epoch counter + 1 and a new epoch id).
 * The caller stores it as pending and deletes the old share only after every player has
 * finished (docs/protocols/refresh-reshare.md, "Commit").
 */
export function createRefreshSession(params: RefreshParams): Session<KeyShare> {
  const cfg = validateRefreshParams(params);
  return new Session<KeyShare>({
    sessionId: cfg.sessionId,
    protocol: REFRESH_PROTOCOL_ID,
    self: cfg.self,
    parties: cfg.parties,
    start: () => startRefresh(cfg),
  });
}
