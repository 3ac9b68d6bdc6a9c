/**
 * Resharing to a new committee (`reshare/v1`) as a session on the protocol engine: same group key,
 * new threshold and/or player set, epoch + 1. Spec: docs/protocols/refresh-reshare.md.
 *
 *   start    dealers j ∈ S: broadcast E_j, send h_j(k) to every new party k       → round1.ts
 *   round 1  check, combine, broadcast the hash of the new public package        → refresh/round2.ts
 *   round 2  compare every confirmation, output the new KeyShare (or null)
 */
import { Session } from '../../engine/session.js';
import { RESHARE_PROTOCOL_ID, validateReshareParams, type ReshareParams } from './params.js';
import { startReshare, type ReshareResult } from './round1.js';

/**
 * Create this player's session of a reshare run. The session's parties are S ∪ newParties; each
 * runs one with the same `sessionId`, `oldParties`, `newParties`, `newThreshold` and old key
 * version. Throws ProtocolError for bad parameters (INVALID_PARAMETERS, INVALID_IDENTIFIER,
 * INVALID_POINT); afterwards every failure aborts the session (state 'aborted', `error` with
 * code and culprits, no result). The result is the new KeyShare for a member of `newParties`
 * (same group key, public key, chain code and Taproot internal key; new threshold, parties,
 * verifying shares and secret share; epoch counter + 1) and `null` for a dealer that is not in the
 * new committee (it learns that the run succeeded and may delete its old share once every player
 * has finished).
 */
export function createReshareSession(params: ReshareParams): Session<ReshareResult> {
  const cfg = validateReshareParams(params);
  return new Session<ReshareResult>({
    sessionId: cfg.sessionId,
    protocol: RESHARE_PROTOCOL_ID,
    self: cfg.self,
    parties: cfg.sessionParties,
    start: () => startReshare(cfg),
  });
}
