/**
 * `frost-sign/v1`: FROST threshold signing (RFC 9591) as an engine session, in the
 * coordinator-free broadcast variant (RFC 9591 §7.5, removing the Coordinator role): every
 * signer broadcasts its commitment, every signer computes the signing package, broadcasts its
 * signature share and aggregates. Spec: docs/protocols/frost.md.
 *
 *   start    commit (§5.1), broadcast (D_i, E_i, context hash)           → round1.ts
 *   round 1  check commitments, sign (§5.2), broadcast z_i               → round2.ts
 *   round 2  check and verify every share (§5.4), aggregate (§5.3), verify the signature
 */
import type { ProtocolStart } from '../../engine/round.js';
import { Session } from '../../engine/session.js';
import type { PartyId } from '../../errors.js';
import { signContext, type FrostSignParams } from './context.js';
import { encodeCommitmentPayload, FROST_SIGN_PROTOCOL } from './messages.js';
import { commit } from './nonces.js';
import { FrostSignRound1 } from './round1.js';
import type { FrostSignResult } from './round2.js';

/**
 * Create this player's session of one FROST signing run. Every parameter error (signer set not
 * sorted, not a subset of the key's parties, without this player, below the threshold, ...)
 * aborts the session when it starts (`state` 'aborted', `error.code` NOT_ENOUGH_SIGNERS or
 * INVALID_PARAMETERS), so a misconfigured run fails like any other.
 */
export function createFrostSignSession(params: FrostSignParams): Session<FrostSignResult> {
  const self = params.key.self;
  const parties: PartyId[] = [...new Set([...(Array.isArray(params.signers) ? params.signers : []), self])];
  const start = (): ProtocolStart<FrostSignResult> => {
    const ctx = signContext(params);
    const nonces = commit(ctx.share);
    return {
      out: [{ to: 'all', payload: encodeCommitmentPayload(nonces.commitment, ctx.contextHash) }],
      next: new FrostSignRound1(ctx, nonces),
    };
  };
  return new Session<FrostSignResult>({ sessionId: params.sessionId, protocol: FROST_SIGN_PROTOCOL, self, parties, start });
}
